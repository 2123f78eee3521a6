"""The slot runner: one item per slot client at a time, every slot kept busy, clients reused;
outcomes recorded before the next claim and before the leases of unfinished work are released."""

import asyncio
import logging
import re
from collections.abc import Callable

import httpx
import pytest

from clawscale.workers import slots
from clawscale.workers.slots import SlotRunner, slot_clients
from clawscale.workers.wakeup import Wakeup

ITEMS = 40
SLOTS = 4
WITHIN_SECONDS = 30.0


async def while_running(
    runner: asyncio.Task[None], reached: Callable[[], bool], within: float, seen: object
) -> None:
    """Wait until `reached()` while `runner` runs. A runner that ends first re-raises what ended
    it; one that has not got there within `within` seconds fails the test, showing `seen`."""
    deadline = asyncio.get_running_loop().time() + within
    while not reached():
        if runner.done():
            runner.result()
            pytest.fail(f"the runner stopped on its own; so far: {seen}")
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not reached within {within} s; so far: {seen}")
        await asyncio.sleep(0.01)


async def run_items() -> tuple[list[int], int, set[int], set[int]]:
    queue = list(range(ITEMS))
    handled: list[int] = []
    busy: set[int] = set()
    peak = 0
    clashes: set[int] = set()
    used: set[int] = set()

    def claim(limit: int) -> list[int]:
        taken, queue[:] = queue[:limit], queue[limit:]
        return taken

    async def handle(client: httpx.AsyncClient, item: int) -> None:
        nonlocal peak
        if id(client) in busy:
            clashes.add(item)
        busy.add(id(client))
        used.add(id(client))
        peak = max(peak, len(busy))
        await asyncio.sleep(0.01)
        busy.discard(id(client))
        handled.append(item)

    async with slot_clients(timeout=1, count=SLOTS) as clients:
        runner = SlotRunner(claim, list, handle, clients, batch_size=50)
        task = asyncio.create_task(runner.run(Wakeup()))
        await while_running(task, lambda: len(handled) >= ITEMS, WITHIN_SECONDS, handled)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return handled, peak, clashes, used


def test_each_item_in_flight_has_a_client_of_its_own_and_every_slot_works() -> None:
    handled, peak, clashes, used = asyncio.run(run_items())
    assert sorted(handled) == list(range(ITEMS))
    assert clashes == set()
    assert peak == SLOTS
    assert len(used) == SLOTS


async def closed_after_block() -> list[bool]:
    async with slot_clients(timeout=1, count=3) as clients:
        assert not any(client.is_closed for client in clients)
    return [client.is_closed for client in clients]


def test_slot_clients_are_closed_when_the_block_ends() -> None:
    assert asyncio.run(closed_after_block()) == [True, True, True]


async def stop_with_one_item_in_flight(item_seconds: float, grace: float) -> tuple[str, bool]:
    """Cancel a runner while its one item takes `item_seconds`; how the item ended and whether
    the runner released what was left."""
    started = asyncio.Event()
    ended: list[str] = []
    released: list[bool] = []
    queue = [1]

    def claim(limit: int) -> list[int]:
        taken, queue[:] = queue[:limit], queue[limit:]
        return taken

    async def handle(client: httpx.AsyncClient, item: int) -> None:
        started.set()
        try:
            await asyncio.sleep(item_seconds)
            ended.append("finished")
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    def release() -> None:
        released.append(True)

    async with slot_clients(timeout=1, count=2) as clients:
        runner = SlotRunner(
            claim, list, handle, clients, batch_size=2, stop_grace=grace, release=release
        )
        task = asyncio.create_task(runner.run(Wakeup()))
        await started.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return ended[0], released == [True]


def test_stopping_lets_an_item_in_flight_finish_within_the_grace() -> None:
    assert asyncio.run(stop_with_one_item_in_flight(item_seconds=0.2, grace=30)) == (
        "finished",
        True,
    )


def test_stopping_cancels_an_item_that_outlasts_the_grace_and_releases() -> None:
    assert asyncio.run(stop_with_one_item_in_flight(item_seconds=30, grace=0.1)) == (
        "cancelled",
        True,
    )


class Ledger:
    """A queue of items whose claims, records and releases are written down in order."""

    def __init__(self, items: int, fail_records: int = 0) -> None:
        self.queue = list(range(items))
        self.events: list[tuple[str, list[int]]] = []
        self.fail_records = fail_records

    def claim(self, limit: int) -> list[int]:
        taken, self.queue[:] = self.queue[:limit], self.queue[limit:]
        if taken:
            self.events.append(("claim", taken))
        return taken

    def record(self, outcomes: list[int]) -> None:
        if self.fail_records > 0:
            self.fail_records -= 1
            raise RuntimeError("the database went away")
        self.events.append(("record", list(outcomes)))

    def release(self) -> None:
        self.events.append(("release", []))

    def recorded(self) -> list[int]:
        return [item for kind, items in self.events if kind == "record" for item in items]


async def run_ledger(
    ledger: Ledger, slots: int, done: int, *, grace: float = 30.0, within: float = WITHIN_SECONDS
) -> None:
    """Run a runner over `ledger` (each item's outcome is itself) until `done` items are
    recorded (within `within` seconds), then stop it."""

    async def handle(client: httpx.AsyncClient, item: int) -> int:
        await asyncio.sleep(0.005 * (item % 3))
        return item

    async with slot_clients(timeout=1, count=slots) as clients:
        runner = SlotRunner(
            ledger.claim,
            ledger.record,
            handle,
            clients,
            batch_size=slots,
            stop_grace=grace,
            release=ledger.release,
        )
        task = asyncio.create_task(runner.run(Wakeup()))
        await while_running(task, lambda: len(ledger.recorded()) >= done, within, ledger.events)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_every_outcome_is_recorded_once_after_its_claim() -> None:
    ledger = Ledger(items=60)
    asyncio.run(run_ledger(ledger, slots=4, done=60))
    assert sorted(ledger.recorded()) == list(range(60))
    claimed_so_far: set[int] = set()
    for kind, items in ledger.events:
        if kind == "claim":
            claimed_so_far.update(items)
        if kind == "record":
            assert set(items) <= claimed_so_far


def test_stopping_records_what_finished_before_releasing_the_rest() -> None:
    ledger = Ledger(items=3)

    async def stop_while_one_finishes() -> None:
        started = asyncio.Event()

        async def handle(client: httpx.AsyncClient, item: int) -> int:
            started.set()
            await asyncio.sleep(0.2 if item == 0 else 30)
            return item

        async with slot_clients(timeout=1, count=3) as clients:
            runner = SlotRunner(
                ledger.claim,
                ledger.record,
                handle,
                clients,
                batch_size=3,
                stop_grace=1.0,
                release=ledger.release,
            )
            task = asyncio.create_task(runner.run(Wakeup()))
            await started.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(stop_while_one_finishes())
    assert ledger.events == [("claim", [0, 1, 2]), ("record", [0]), ("release", [])]


def test_a_failed_record_is_logged_and_the_runner_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledger = Ledger(items=20, fail_records=1)
    with caplog.at_level(logging.ERROR, logger="clawscale.workers.slots"):
        asyncio.run(run_ledger(ledger, slots=2, done=10))
    assert re.search(r"recording \d+ outcomes failed; their leases will lapse", caplog.text)
    assert len(set(ledger.recorded())) >= 10


def test_a_batch_smaller_than_half_the_slots_is_claimed_without_gathering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With one item held in flight and a batch of one, a whole batch's room is free: the
    runner claims the next items at once instead of waiting for half its slots."""
    monkeypatch.setattr(slots, "GATHER_SECONDS", 600.0)
    ledger = Ledger(items=5)

    async def run() -> None:
        async def handle(client: httpx.AsyncClient, item: int) -> int:
            await asyncio.sleep(600 if item == 0 else 0)
            return item

        async with slot_clients(timeout=1, count=SLOTS) as clients:
            runner = SlotRunner(ledger.claim, ledger.record, handle, clients, batch_size=1)
            task = asyncio.create_task(runner.run(Wakeup()))
            await while_running(task, lambda: len(ledger.recorded()) >= 4, 10.0, ledger.events)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    assert sorted(ledger.recorded()) == [1, 2, 3, 4]
