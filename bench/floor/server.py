"""The floors' HTTP side: a bare Starlette app for granian (FLOOR_DSN in the environment) that
answers the gateway's own paths, `/api/outbound` and Evolution's webhook path, by parsing the
JSON and storing the row with its NOTIFY in one statement, committed before it answers."""

import os
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.floor.jobs import JOBS, Job
from bench.floor.pool import Pool
from bench.floor.store import ACCEPT, statement

POOL_SIZE = 10
"""Connections per granian worker process."""

pool = Pool(os.environ["FLOOR_DSN"], POOL_SIZE)


def endpoint(job: Job) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The route that stores `job`'s rows."""
    accept = statement(ACCEPT, job.table)

    async def store(request: Request) -> JSONResponse:
        row = job.accept(await request.json())
        if row is not None:
            async with pool.connection() as connection:
                await connection.execute(accept, row)
        return JSONResponse({"ok": True})

    return store


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/api/outbound", endpoint(JOBS["outbound"]), methods=["POST"]),
        Route("/api/webhooks/{path:path}", endpoint(JOBS["inbound"]), methods=["POST"]),
        Route("/health", health),
    ]
)
