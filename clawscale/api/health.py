"""`GET /health`: database reachability and version."""

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from clawscale import __version__
from clawscale.api.deps import EngineDep
from clawscale.db import database_is_reachable

router = APIRouter()


class Health(BaseModel):
    """Whether the gateway can serve: `degraded` (with 503) when the database does not answer."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]


@router.get("/health", responses={503: {"model": Health}})
async def health(engine: EngineDep, response: Response) -> Health:
    """200 with `status: ok` when the database answers, else 503 with `status: degraded`."""
    database_ok = await run_in_threadpool(database_is_reachable, engine)
    if not database_ok:
        response.status_code = 503
    return Health(
        status="ok" if database_ok else "degraded",
        version=__version__,
        database="ok" if database_ok else "unreachable",
    )
