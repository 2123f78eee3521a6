"""Waiting on an event for at most a while: set, timed out, and never deaf to a cancellation."""

import asyncio

import pytest

from clawscale.timed_wait import wait_at_most


async def waited(set_after: float | None, timeout: float) -> bool:
    event = asyncio.Event()
    if set_after is not None:
        asyncio.get_running_loop().call_later(set_after, event.set)
    return await wait_at_most(event, timeout)


def test_an_event_set_in_time_is_reported_set() -> None:
    assert asyncio.run(waited(set_after=0.01, timeout=5)) is True


def test_an_event_never_set_times_out_unset() -> None:
    assert asyncio.run(waited(set_after=None, timeout=0.01)) is False


async def cancelled_as_the_event_is_set() -> asyncio.Task[bool]:
    """Set the event and cancel its waiter in the same turn of the loop (a worker told to stop
    just as a slot finishes)."""
    event = asyncio.Event()
    waiter = asyncio.create_task(wait_at_most(event, 30))
    await asyncio.sleep(0.01)
    event.set()
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    return waiter


def test_a_cancellation_arriving_with_the_event_still_cancels() -> None:
    waiter = asyncio.run(cancelled_as_the_event_is_set())
    with pytest.raises(asyncio.CancelledError):
        waiter.result()
