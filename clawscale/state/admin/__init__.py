"""Reflex states of the admin console: the admin session guard, sign-in, and the pages' data.

As on the customer side, handlers call the domain in a worker thread (`state.backend`), never
the gateway's own HTTP API; every handler that reads or changes data resolves the admin cookie
again in the same transaction, so nothing the browser sends is trusted.
"""
