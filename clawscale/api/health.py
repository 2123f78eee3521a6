"""`GET /health`: database reachability, version and worker liveness."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from clawscale import __version__
from clawscale.api.deps import EngineDep
from clawscale.db import database_is_reachable

router = APIRouter()


@router.get("/health")
async def health(engine: EngineDep) -> JSONResponse:
    """200 with `status: ok` when the database answers, else 503 with `status: degraded`."""
    database_ok = await run_in_threadpool(database_is_reachable, engine)
    return JSONResponse(
        {
            "status": "ok" if database_ok else "degraded",
            "version": __version__,
            "database": "ok" if database_ok else "unreachable",
        },
        status_code=200 if database_ok else 503,
    )
