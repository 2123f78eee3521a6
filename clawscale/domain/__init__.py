"""Domain logic: plain functions over a SQLModel session; no HTTP, no Reflex."""
