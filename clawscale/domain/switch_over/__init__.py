"""Switching a live seed deployment (the TypeScript gateway) over: importing its PostgreSQL
database into ours, keeping its ids and webhook tokens so provider URLs stay valid."""
