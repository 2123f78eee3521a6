"""The floor: a bare Starlette endpoint that parses the same JSON and does one INSERT (psycopg).

Served by the same server and worker count as the gateway, it bounds what any gateway could do
on this machine.
"""

import asyncio
import json
import os

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DSN = os.environ["FLOOR_DSN"]
POOL_SIZE = 10
_pool: asyncio.Queue[psycopg.AsyncConnection] | None = None
_pool_lock = asyncio.Lock()


async def _connections() -> asyncio.Queue[psycopg.AsyncConnection]:
    """The worker's connections, opened by the first request (the others wait for it, rather
    than each opening a pool of its own and running PostgreSQL out of connections)."""
    global _pool
    if _pool is not None:
        return _pool
    async with _pool_lock:
        if _pool is None:
            pool: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
            for _ in range(POOL_SIZE):
                await pool.put(await psycopg.AsyncConnection.connect(DSN, autocommit=True))
            _pool = pool
    return _pool


async def ingest(request: Request) -> JSONResponse:
    body = await request.json()
    pool = await _connections()
    connection = await pool.get()
    try:
        await connection.execute("INSERT INTO floor_event (body) VALUES (%s)", (json.dumps(body),))
    finally:
        await pool.put(connection)
    return JSONResponse({"ok": True, "idempotency_key": body.get("idempotency_key")})


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/ingest", ingest, methods=["POST"]), Route("/health", health)])
