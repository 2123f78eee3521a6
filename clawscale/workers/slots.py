"""Keeping up to a number of units of work in flight: a worker's continuous mode.

A worker gives the runner three things: `claim(limit)` and `record(outcomes)`, blocking calls
over the database, and `handle(client, item)`, the network call that ends in an outcome. Each
turn of `SlotRunner.run` is one thread hop that first records the outcomes that came back since
the last turn and then claims work for the free slots; each claimed item goes on its own task
with a slot's HTTP client, and the slot is free again as soon as its call ends (its outcome
waits for the next turn). With fewer than half its slots free (and fewer than a batch) the
runner waits up to GATHER_SECONDS for more to finish before a turn, so one turn records and
claims for several slots rather than one each, and once a claim has taken all that was due the
next turn waits until CAUGHT_UP_SECONDS after it began. A slow item holds only its own slot.
Recording comes before claiming in every turn, so a claim sees everything that has finished (a
conversation's next message becomes due once the one before it is recorded). Cancelling `run`
is how a worker stops: it claims no more, gives the items in flight up to `stop_grace` seconds
to finish, cancels the rest, records what finished and then calls `release` to give back the
leases of what was cut short.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Generic, TypeVar

import httpx

from clawscale.workers.direct_client import DirectClient
from clawscale.workers.wakeup import Wakeup

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_IN_FLIGHT = 64
"""Items in flight per runner. Gathering until half the slots are free, a turn then claims and
records about half this many at once, and a turn's own cost (its statements, commits and thread
hop) is shared among them. Draining a backlog on two cores (`bench.drain`, alternated runs),
64 against 32 took the dispatcher's CPU a delivery from 1.04 to 0.87 ms and PostgreSQL's from
0.26 to 0.20 ms, and drained 835-1,054 sends/s against 692-841; the inbound worker's CPU a
forward went from 1.10 to 0.89 ms. 128 saved about a tenth more, for twice the connections to
each provider."""
IDLE_SECONDS = 0.5
GATHER_SECONDS = 0.05
CAUGHT_UP_SECONDS = 0.02
"""Once a claim has taken all that was due, the next turn comes no sooner than this after it,
so that work arriving one item at a time is claimed and recorded a few at a time. At a steady
224 webhooks/s on two cores: a third as many claims, 1.92-2.04 ms of worker CPU a message
instead of 2.6, about 5 ms more from webhook to runtime. A worker behind (its claims full) is
never held back."""


@asynccontextmanager
async def slot_clients(
    timeout: float, count: int = MAX_IN_FLIGHT
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """An HTTP client for each of `count` slots, closed when the block ends.

    A slot sends one request at a time, so its client keeps one connection per host it talks
    to. One client shared by all slots costs far more: httpcore's pool checks every connection
    it holds on each request and each response (1.6 ms of CPU per request with 16 sends in
    flight on this machine, against 0.6 ms with a client per slot). The clients share one TLS
    context: building one loads the CA bundle, about 50 ms and 300 KiB each. Each is a
    `DirectClient`: a plain request goes straight to its transport, with no cookie kept.
    """
    tls = httpx.create_ssl_context()
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(DirectClient(timeout=timeout, verify=tls))
            for _ in range(count)
        ]


class SlotRunner(Generic[Item, Outcome]):
    """Runs `handle(client, item)` for what `claim(limit)` returns, one item per client at once,
    and hands the outcomes (those not None) to `record` on the next turn. A `claim` or `record`
    that raises is logged: a failed claim is tried again on the next turn, the outcomes of a
    failed record are dropped (their items' leases lapse and they are tried again). `handle`
    should not raise; if it does, the item is logged and its lease lapses."""

    def __init__(
        self,
        claim: Callable[[int], list[Item]],
        record: Callable[[list[Outcome]], object],
        handle: Callable[[httpx.AsyncClient, Item], Awaitable[Outcome | None]],
        clients: list[httpx.AsyncClient],
        *,
        batch_size: int,
        stop_grace: float = 0.0,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.claim = claim
        self.record = record
        self.handle = handle
        self.batch_size = batch_size
        self.stop_grace = stop_grace
        self.release = release
        self.max_in_flight = len(clients)
        self.idle_clients = list(clients)
        self.in_flight: set[asyncio.Task[None]] = set()
        self.outcomes: list[Outcome] = []

    def _room(self) -> int:
        return min(self.batch_size, len(self.idle_clients))

    async def _gathered_room(self, wakeup: Wakeup) -> int:
        """The room for items, once half the slots are free (or a whole batch's room, when a
        batch is smaller) or GATHER_SECONDS have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        enough = min(self.batch_size, self.max_in_flight // 2)
        room = self._room()
        while self.in_flight and room < enough and loop.time() < deadline:
            await wakeup.wait(deadline - loop.time())
            room = self._room()
        return room

    def _record_and_claim(self, outcomes: list[Outcome], limit: int) -> list[Item]:
        """One turn's database work (in a worker thread): record, then claim."""
        if outcomes:
            try:
                self.record(outcomes)
            except Exception:
                logger.exception(
                    "recording %d outcomes failed; their leases will lapse", len(outcomes)
                )
        if limit <= 0:
            return []
        try:
            return self.claim(limit)
        except Exception:
            logger.exception("claiming work failed; trying again")
            return []

    async def _turn(self, limit: int) -> list[Item]:
        """Record the outcomes so far and claim up to `limit` items, in one thread hop."""
        outcomes, self.outcomes = self.outcomes, []
        if not outcomes and limit <= 0:
            return []
        return await asyncio.to_thread(self._record_and_claim, outcomes, limit)

    async def _handle(self, client: httpx.AsyncClient, item: Item) -> None:
        try:
            outcome = await self.handle(client, item)
        except Exception:
            logger.exception("work on %s failed; its lease will lapse", item)
            return
        if outcome is not None:
            self.outcomes.append(outcome)

    def _start(
        self, claimed: list[Item], finished: Callable[[httpx.AsyncClient, asyncio.Task[None]], None]
    ) -> None:
        """Handle each claimed item on its own task with an idle slot's client."""
        for item in claimed:
            client = self.idle_clients.pop()
            task = asyncio.create_task(self._handle(client, item))
            self.in_flight.add(task)
            task.add_done_callback(partial(finished, client))

    def _finished(self, client: httpx.AsyncClient, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self.idle_clients.append(client)

    async def run_pass(self) -> int:
        """One turn of `run`'s loop that waits for what it started: claim what there is room
        for, handle it, record the outcomes and return; how many items it claimed."""
        claimed = await self._turn(self._room())
        self._start(claimed, self._finished)
        await asyncio.gather(*self.in_flight)
        await self._turn(0)
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
        """Record, claim and handle until cancelled; then drain the items in flight
        (`_drain`), record what finished and release what was left unfinished."""

        def finished(client: httpx.AsyncClient, task: asyncio.Task[None]) -> None:
            self._finished(client, task)
            wakeup.poke()

        loop = asyncio.get_running_loop()
        try:
            while True:
                room = await self._gathered_room(wakeup)
                started = loop.time()
                claimed = await self._turn(room)
                self._start(claimed, finished)
                if len(claimed) < room:
                    if not self.outcomes:
                        await wakeup.wait(IDLE_SECONDS)
                    await asyncio.sleep(started + CAUGHT_UP_SECONDS - loop.time())
        finally:
            await self._drain()
            await self._turn(0)
            await self._release_safely()

    async def _release_safely(self) -> None:
        if self.release is None:
            return
        try:
            await asyncio.to_thread(self.release)
        except Exception:
            logger.exception("giving back the leases of unfinished work failed; they will lapse")
