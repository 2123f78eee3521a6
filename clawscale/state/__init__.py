"""The base States and helpers the pages share; each page's own State lives in its page module
under `clawscale/pages/`.

Handlers never call the gateway's own HTTP API. They run domain functions in a worker thread
(`backend.run_domain`) and hand sessions to the browser's HttpOnly cookie through the API's
handoff redirect (`redirects`). `admin/` holds the console's session guard and table paging.
"""
