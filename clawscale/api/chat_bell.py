"""Waking this process's web chat streams when a chat message is committed.

A message committed in this process rings the bell from the commit callback
(`signals.CHAT_MESSAGES.on_due`); one committed by another process (another backend took the
dispatcher's delivery) rings it through PostgreSQL NOTIFY, relayed by one listening connection
per process, opened with the first stream. Every stream wakes and reads its own visitor's new
messages; a stream also looks on a slow timer, so a lost notification costs only latency.
"""

import asyncio
import contextlib

from sqlalchemy.engine import Engine

from clawscale.domain.queue.signals import CHAT_MESSAGES
from clawscale.timed_wait import wait_at_most
from clawscale.workers.wakeup import relay_notifications


class ChatBell:
    """A broadcast the streams of one event loop wait on; any thread may ring it."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()
        self._relay: asyncio.Task[None] | None = None

    def listen(self, engine: Engine) -> None:
        """Start hearing commits (in-process and NOTIFY), once; call on the streams' loop."""
        if self._relay is not None:
            return
        self._loop = asyncio.get_running_loop()
        CHAT_MESSAGES.on_due(self.poke)
        self._relay = asyncio.create_task(relay_notifications(engine, CHAT_MESSAGES.channel, self))

    def ticket(self) -> asyncio.Event:
        """What to wait on for the next ring: take it before reading, so a ring during the read
        is not missed."""
        return self._event

    def _ring(self) -> None:
        rung, self._event = self._event, asyncio.Event()
        rung.set()

    def poke(self) -> None:
        """Wake every waiting stream; safe from any thread."""
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._ring)

    @staticmethod
    async def wait(ticket: asyncio.Event, timeout: float) -> None:
        """Until `ticket` is rung or `timeout` seconds pass."""
        await wait_at_most(ticket, timeout)
