"""Typed request dependencies shared by the routers (`session: SessionDep`)."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.db import session_scope


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


EngineDep = Annotated[Engine, Depends(get_engine_from_app)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
