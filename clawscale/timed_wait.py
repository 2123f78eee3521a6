"""Waiting for an asyncio event for at most a while, in a way a cancellation always ends.

Python 3.11's `asyncio.wait_for` swallows a cancellation that arrives in the same turn of the
loop as the thing it waits for finishing: it returns the result and the task carries on as if
never cancelled. A worker waiting on its wakeup with `wait_for` could therefore miss the stop
it was sent when a slot finished at that moment, and loop on forever (a CI run hung 15 minutes
on it). `asyncio.timeout` cancels only on its own deadline and lets any other cancellation
through.
"""

import asyncio
import contextlib


async def wait_at_most(event: asyncio.Event, timeout: float) -> bool:
    """Until `event` is set or `timeout` seconds pass; whether it is set. A cancellation of the
    caller always propagates."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
    return event.is_set()
