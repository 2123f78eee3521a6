"""Batching blocking calls: callers await one item each; the items that gather while a batch
runs go together in the next, so a busy process pays one thread hop and one transaction for
many results instead of one each (the API's group commit)."""

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchedCalls(Generic[Item, Result]):
    """Runs `handle(items) -> results` (blocking, one result per item, in order) in a thread."""

    def __init__(self, handle: Callable[[list[Item]], list[Result]]) -> None:
        self._handle = handle
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        """The result for `item`, handled in the next batch; the batch's error if it fails."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await asyncio.to_thread(self._handle, [item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
