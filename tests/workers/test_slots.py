"""The slot runner: one item per slot client at a time, every slot kept busy, clients reused."""

import asyncio

import httpx

from clawscale.workers.slots import SlotRunner, slot_clients
from clawscale.workers.wakeup import Wakeup

ITEMS = 40
SLOTS = 4


async def run_items() -> tuple[list[int], int, set[int], set[int]]:
    queue = list(range(ITEMS))
    handled: list[int] = []
    busy: set[int] = set()
    peak = 0
    clashes: set[int] = set()
    used: set[int] = set()

    async def claim(limit: int) -> list[int]:
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
        runner = SlotRunner(claim, handle, clients, batch_size=50)
        task = asyncio.create_task(runner.run(Wakeup()))
        while len(handled) < ITEMS:
            await asyncio.sleep(0.01)
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

    async def claim(limit: int) -> list[int]:
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

    async def release() -> None:
        released.append(True)

    async with slot_clients(timeout=1, count=2) as clients:
        runner = SlotRunner(claim, handle, clients, batch_size=2, stop_grace=grace, release=release)
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
