"""Waking a worker early: a flag it sleeps on, poked from any thread or by PostgreSQL NOTIFY.

A worker with nothing to do waits on its `Wakeup` for at most its idle interval; a poke ends
the wait at once. `relay_notifications` pokes on every NOTIFY of a channel, so work committed
by another process (an API backend, say) is picked up without waiting for the timer.
"""

import asyncio
import contextlib
import logging
from typing import Protocol

import psycopg
from sqlalchemy.engine import Engine

from clawscale.timed_wait import wait_at_most

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0


class Pokeable(Protocol):
    """Anything a notification can wake."""

    def poke(self) -> None:
        """Wake whoever waits; safe from any thread."""


class Wakeup:
    """A flag one event loop waits on and any thread may set."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def _bound_event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._loop, self._event = loop, asyncio.Event()
        return self._event

    def poke(self) -> None:
        """End the current (or the next) wait; safe from any thread."""
        loop, event = self._loop, self._event
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is loop:
                event.set()
                return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> bool:
        """Sleep until poked or `timeout` seconds pass, then lower the flag; whether poked."""
        event = self._bound_event()
        poked = await wait_at_most(event, timeout)
        event.clear()
        return poked


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def relay_notifications(engine: Engine, channel: str, wakeup: Pokeable) -> None:
    """Poke `wakeup` on every NOTIFY of `channel` until cancelled (PostgreSQL only: returns at
    once on SQLite). A lost connection is retried; each (re)connection pokes once, for what was
    committed while nobody listened."""
    if engine.dialect.name != "postgresql":
        return
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                _libpq_url(engine), autocommit=True
            ) as connection:
                await connection.execute(f"LISTEN {channel}")
                wakeup.poke()
                async for _notification in connection.notifies():
                    wakeup.poke()
        except psycopg.Error as error:
            logger.warning("listening for %s failed (%s); reconnecting", channel, error)
            await asyncio.sleep(RECONNECT_SECONDS)
