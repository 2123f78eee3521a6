"""Tasks run with the backend: the environment-configured first admin, and the workers."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi.concurrency import run_in_threadpool

from clawscale.db import get_engine, session_scope
from clawscale.domain.accounts.admins import bootstrap_admin
from clawscale.domain.errors import Conflict
from clawscale.settings import get_settings
from clawscale.workers.loop import run_all_workers

logger = logging.getLogger(__name__)


def create_bootstrap_admin() -> None:
    """Create ADMIN_BOOTSTRAP_EMAIL's admin when set and no admin exists yet. Several backends
    starting together race for it; the unique email lets one win and the others stand down."""
    settings = get_settings()
    try:
        with session_scope(get_engine()) as session:
            admin = bootstrap_admin(
                session, settings.ADMIN_BOOTSTRAP_EMAIL, settings.ADMIN_BOOTSTRAP_PASSWORD
            )
    except Conflict as error:
        if error.code != "admin_already_exists":
            raise
        logger.info("another process created the first admin")
        return
    if admin is not None:
        logger.info("created the first admin %s from the environment", admin.email)


async def bootstrap_on_startup() -> None:
    """Reflex lifespan task: the start-up bootstrap, off the event loop."""
    await run_in_threadpool(create_bootstrap_admin)


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the in-process workers stopped", exc_info=task.exception())


@contextlib.asynccontextmanager
async def workers_in_process() -> AsyncIterator[None]:
    """Reflex lifespan task: the workers while the backend serves, unless they run as their own
    process (CLAWSCALE_RUN_WORKERS=false). At shutdown they stop as `python -m
    clawscale.workers` does: work in flight gets STOP_GRACE_SECONDS, the rest is released."""
    settings = get_settings()
    if not settings.CLAWSCALE_RUN_WORKERS:
        yield
        return
    workers = asyncio.create_task(run_all_workers(get_engine(), settings), name="workers")
    workers.add_done_callback(_report_failure)
    try:
        yield
    finally:
        workers.cancel()
        await asyncio.wait([workers])
