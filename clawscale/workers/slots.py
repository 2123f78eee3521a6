"""Keeping up to a number of units of work in flight: a worker's continuous mode.

`SlotRunner.run` claims while there is room and work, starts each claimed item on its own task
with a slot's HTTP client, and sleeps until one finishes, its wakeup is poked or IDLE_SECONDS
pass. With fewer than half its slots free it waits up to GATHER_SECONDS for more to finish
before claiming, so one claim (a transaction) fills several slots rather than one each. A slow
item holds only its own slot. Cancelling `run` is how a worker stops: it claims no more, gives
the items in flight up to `stop_grace` seconds to finish, cancels the rest, and calls `release`
to give back the leases of what was cut short.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Generic, TypeVar

import httpx

from clawscale.workers.wakeup import Wakeup

logger = logging.getLogger(__name__)

Item = TypeVar("Item")

MAX_IN_FLIGHT = 32
"""Items in flight per runner. On two cores a dispatcher with 32 drained a backlog at 456-595
sends/s against 380-386 with 16; 64 gained nothing more."""
IDLE_SECONDS = 0.5
GATHER_SECONDS = 0.05


@asynccontextmanager
async def slot_clients(
    timeout: float, count: int = MAX_IN_FLIGHT
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """An HTTP client for each of `count` slots, closed when the block ends.

    A slot sends one request at a time, so its client keeps one connection per host it talks
    to. One client shared by all slots costs far more: httpcore's pool checks every connection
    it holds on each request and each response (1.6 ms of CPU per request with 16 sends in
    flight on this machine, against 0.6 ms with a client per slot). The clients share one TLS
    context: building one loads the CA bundle, about 50 ms and 300 KiB each.
    """
    tls = httpx.create_ssl_context()
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(httpx.AsyncClient(timeout=timeout, verify=tls))
            for _ in range(count)
        ]


class SlotRunner(Generic[Item]):
    """Runs `handle(client, item)` for what `claim(limit)` returns, one item per client at once
    (a claim that fails is logged and tried again; `handle` must not raise)."""

    def __init__(
        self,
        claim: Callable[[int], Awaitable[list[Item]]],
        handle: Callable[[httpx.AsyncClient, Item], Awaitable[None]],
        clients: list[httpx.AsyncClient],
        *,
        batch_size: int,
        stop_grace: float = 0.0,
        release: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.claim = claim
        self.handle = handle
        self.batch_size = batch_size
        self.stop_grace = stop_grace
        self.release = release
        self.max_in_flight = len(clients)
        self.idle_clients = list(clients)
        self.in_flight: set[asyncio.Task[None]] = set()

    def _room(self) -> int:
        return min(self.batch_size, len(self.idle_clients))

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

    def _start(
        self, claimed: list[Item], finished: Callable[[httpx.AsyncClient, asyncio.Task[None]], None]
    ) -> None:
        """Handle each claimed item on its own task with an idle slot's client."""
        for item in claimed:
            client = self.idle_clients.pop()
            task = asyncio.create_task(self.handle(client, item))
            self.in_flight.add(task)
            task.add_done_callback(partial(finished, client))

    def _finished(self, client: httpx.AsyncClient, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self.idle_clients.append(client)

    async def run_pass(self) -> int:
        """One turn of `run`'s loop that waits for what it started: claim what there is room
        for, handle it, and return once every item is done; how many items it claimed."""
        claimed = await self._claim_safely(self._room())
        self._start(claimed, self._finished)
        await asyncio.gather(*self.in_flight)
        return len(claimed)

    async def _drain(self) -> None:
        """Let the items in flight finish for up to `stop_grace` seconds, then cancel the rest
        and wait for them (a second cancellation ends the grace at once)."""
        try:
            if self.in_flight and self.stop_grace > 0:
                await asyncio.wait(set(self.in_flight), timeout=self.stop_grace)
        finally:
            for task in self.in_flight:
                task.cancel()
            await asyncio.gather(*self.in_flight, return_exceptions=True)

    async def run(self, wakeup: Wakeup) -> None:
        """Claim and handle until cancelled; then drain the items in flight (`_drain`) and
        release what they left unfinished."""

        def finished(client: httpx.AsyncClient, task: asyncio.Task[None]) -> None:
            self._finished(client, task)
            wakeup.poke()

        try:
            while True:
                room = await self._gathered_room(wakeup)
                claimed = await self._claim_safely(room) if room > 0 else []
                self._start(claimed, finished)
                if not claimed or len(claimed) < room:
                    await wakeup.wait(IDLE_SECONDS)
        finally:
            await self._drain()
            await self._release_safely()

    async def _release_safely(self) -> None:
        if self.release is None:
            return
        try:
            await self.release()
        except Exception:
            logger.exception("giving back the leases of unfinished work failed; they will lapse")
