"""Driving background workers from a test: one pass at a time on a fresh event loop, or
running on an event loop in a thread for the length of a block."""

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import sqlalchemy as sa

from clawscale.settings import Settings
from clawscale.workers.dispatcher import Dispatcher
from clawscale.workers.loop import PassWorker
from clawscale.workers.mail import MailWorker

DEFAULT_SETTINGS = Settings(_env_file=None)


def run_passes(
    engine: sa.Engine,
    worker_class: type,
    count: int = 1,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[int]:
    """`count` passes of one new `worker_class(engine, settings)`; what each attempted."""

    async def run() -> list[int]:
        worker: PassWorker = worker_class(engine, settings)
        async with httpx.AsyncClient(timeout=10) as client:
            return [await worker.run_once(client) for _ in range(count)]

    return asyncio.run(run())


def send_due(engine: sa.Engine, settings: Settings = DEFAULT_SETTINGS) -> int:
    """One dispatcher pass: how many deliveries it attempted."""
    [attempted] = run_passes(engine, Dispatcher, settings=settings)
    return attempted


def send_all_due(engine: sa.Engine, settings: Settings = DEFAULT_SETTINGS) -> int:
    """Dispatcher passes until one finds nothing due: how many passes attempted something."""
    passes = 0
    while send_due(engine, settings):
        passes += 1
        assert passes < 50, "deliveries kept coming due"
    return passes


def send_all_mail(engine: sa.Engine, settings: Settings) -> int:
    """Mail worker passes, one email at a time in the order they were written, until one finds
    nothing due: how many emails were attempted."""

    async def run() -> int:
        worker = MailWorker(engine, settings, sends_at_once=1)
        attempted = 0
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(50):
                sent = await worker.run_once(client)
                if sent == 0:
                    return attempted
                attempted += sent
        raise AssertionError("emails kept coming due")

    return asyncio.run(run())


@contextmanager
def in_background(work: Callable[[], Awaitable[object]]) -> Iterator[None]:
    """`work()` running on its own event loop in a thread until the block ends; then it is
    cancelled and, as `asyncio.run` does, every task it left is finished before the loop
    closes."""
    started = threading.Event()
    running: dict[str, Any] = {}

    async def main() -> None:
        running["loop"] = asyncio.get_running_loop()
        running["task"] = asyncio.ensure_future(work())
        started.set()
        await asyncio.gather(running["task"], return_exceptions=True)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    started.wait(15)
    try:
        yield
    finally:
        running["loop"].call_soon_threadsafe(running["task"].cancel)
        thread.join(15)
