"""Reflex states of the web pages: thin event handlers that call the domain in the backend.

Handlers never call the gateway's own HTTP API. They run domain functions in a worker thread
(`backend.run_domain`) and hand sessions to the browser's HttpOnly cookie through the API's
handoff redirect (`redirects`).
"""
