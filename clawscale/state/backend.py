"""How a page state reaches the domain: one database transaction and the settings, off the
event loop (password hashing and database calls would otherwise stall every open page)."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from clawscale.db import get_engine, session_scope
from clawscale.settings import Settings, get_settings

T = TypeVar("T")

DomainWork = Callable[[Session, Settings], T]


def _run_in_transaction(work: DomainWork[T]) -> T:
    with session_scope(get_engine()) as db:
        return work(db, get_settings())


async def run_domain(work: DomainWork[T]) -> T:
    """Run `work(db, settings)` in one transaction in a worker thread; commit when it returns,
    roll back when it raises (the exception reaches the caller)."""
    return await asyncio.to_thread(_run_in_transaction, work)
