"""Keeping up to a number of units of work in flight: a worker's continuous mode.

`SlotRunner.run` claims while there is room and work, starts each claimed item on its own task,
and sleeps until one finishes, its wakeup is poked or IDLE_SECONDS pass. With fewer than
half its slots free it waits up to GATHER_SECONDS for more to finish before claiming, so one
claim (a transaction) fills several slots rather than one each. A slow item holds only its own
slot.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import httpx

from clawscale.workers.wakeup import Wakeup

logger = logging.getLogger(__name__)

Item = TypeVar("Item")

MAX_IN_FLIGHT = 16
"""Items in flight per runner: httpcore's pool bookkeeping for each request grows with the
connections in use, so more slots cost more CPU per send than they gain in overlap."""
IDLE_SECONDS = 0.5
GATHER_SECONDS = 0.05


def slots_client(timeout: float) -> httpx.AsyncClient:
    """An HTTP client keeping a connection for each slot, so every item in flight keeps its
    connection for the next one."""
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    return httpx.AsyncClient(timeout=timeout, limits=limits)


class SlotRunner(Generic[Item]):
    """Runs `handle(item)` for what `claim(limit)` returns, up to `max_in_flight` at once (a
    claim that fails is logged and tried again; `handle` must not raise)."""

    def __init__(
        self,
        claim: Callable[[int], Awaitable[list[Item]]],
        handle: Callable[[Item], Awaitable[None]],
        *,
        batch_size: int,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.claim = claim
        self.handle = handle
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.in_flight: set[asyncio.Task[None]] = set()

    def _room(self) -> int:
        return min(self.batch_size, self.max_in_flight - len(self.in_flight))

    async def _gathered_room(self, wakeup: Wakeup) -> int:
        """The room for items, once half the slots are free or GATHER_SECONDS have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        room = self._room()
        while self.in_flight and room < self.max_in_flight // 2 and loop.time() < deadline:
            await wakeup.wait(deadline - loop.time())
            room = self._room()
        return room

    async def _claim_safely(self, limit: int) -> list[Item]:
        try:
            return await self.claim(limit)
        except Exception:
            logger.exception("claiming work failed; trying again")
            return []

    async def run(self, wakeup: Wakeup) -> None:
        """Claim and handle until cancelled; cancelling cancels the items in flight too."""

        def finished(task: asyncio.Task[None]) -> None:
            self.in_flight.discard(task)
            wakeup.poke()

        try:
            while True:
                room = await self._gathered_room(wakeup)
                claimed = await self._claim_safely(room) if room > 0 else []
                for item in claimed:
                    task = asyncio.create_task(self.handle(item))
                    self.in_flight.add(task)
                    task.add_done_callback(finished)
                if not claimed or len(claimed) < room:
                    await wakeup.wait(IDLE_SECONDS)
        finally:
            for task in self.in_flight:
                task.cancel()
            await asyncio.gather(*self.in_flight, return_exceptions=True)
