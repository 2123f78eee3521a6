"""Typed request dependencies shared by the routers (`session: SessionDep`), and
`in_transaction` for async routes that need a short transaction of their own, or
`in_group_commit` for the high-volume ones, whose transactions are committed together."""

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

import httpx
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.db import session_scope
from clawscale.group_commit import GroupCommit

PROVIDER_TIMEOUT_SECONDS = 15.0

Result = TypeVar("Result")


async def get_engine_from_app(request: Request) -> Engine:
    """The engine the API was built with (read on the event loop: no thread hop)."""
    return request.app.state.engine


def get_session(engine: Annotated[Engine, Depends(get_engine_from_app)]) -> Iterator[Session]:
    """A session per request, committed when the route returns without raising.

    Used with `scope="function"`, so the commit happens before the response is sent: a client
    never hears "ok" for a change that is not yet durable.
    """
    with session_scope(engine) as session:
        yield session


def _committed(engine: Engine, work: Callable[[Session], Result]) -> Result:
    with session_scope(engine) as session:
        return work(session)


async def in_transaction(engine: Engine, work: Callable[[Session], Result]) -> Result:
    """`work(session)` in one transaction of its own, off the event loop: committed when it
    returns, rolled back when it raises (the exception reaches the caller)."""
    return await run_in_threadpool(_committed, engine, work)


async def in_group_commit(request: Request, work: Callable[[Session], Result]) -> Result:
    """`work(session)` committed together with the concurrent requests' works (the app's
    `GroupCommit`): its result once durable, or the exception it raised alone."""
    group_commit: GroupCommit = request.app.state.group_commit
    return await group_commit(work)


async def http_client(request: Request) -> httpx.AsyncClient:
    """The API's shared client for provider calls, made on first use."""
    client = getattr(request.app.state, "http_client", None)
    if client is None:
        client = httpx.AsyncClient(timeout=PROVIDER_TIMEOUT_SECONDS)
        request.app.state.http_client = client
    return client


EngineDep = Annotated[Engine, Depends(get_engine_from_app)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
HttpClientDep = Annotated[httpx.AsyncClient, Depends(http_client)]
