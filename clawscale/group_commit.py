"""Group commit: short transactions of concurrent requests run and committed together.

Each caller hands over `work(session)` and awaits its result, which it gets only once the
transaction holding its work has committed (so an answer sent after it still means "stored").
The works that arrive while a transaction runs go together in the next one, in a thread: one
thread hop, one BEGIN and one COMMIT for all of them, instead of one each. When any work of a
group raises (a conflict, a rejected request, a database error), the group is rolled back and
each of its works runs again in a transaction of its own, so every caller gets exactly the
result or exception it would have had alone; a work must therefore touch nothing but the
session it is given. A work run alone that raises StaleRead (it found a cache it used out of
date) runs once more, in a transaction of its own.

A work may have a `prepare(session)` method, run for every work of the group before the first
work, and a `finish(session)` method, run for every work after the last, whose result is then
the work's (a work run alone takes the same steps): so that works can say what they are about
to read and have it read for all of them at once, and leave their writes for one statement
that makes all of them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.batched_calls import BatchedCalls
from clawscale.db import StaleRead, session_scope

Result = TypeVar("Result")
Work = Callable[[Session], Any]

STALE_RERUNS = 1
"""Runs more for a work that raised StaleRead (each reloads what it found stale, so a second
one means the thing changed again within milliseconds)."""


@dataclass(frozen=True)
class _Outcome(Generic[Result]):
    value: Result | None = None
    error: BaseException | None = None

    def unwrap(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class GroupCommit:
    """Runs works of concurrent callers on `engine`, a group to a transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._calls: BatchedCalls[Work, _Outcome[Any]] = BatchedCalls(self._run_group)

    async def __call__(self, work: Callable[[Session], Result]) -> Result:
        """`work(session)`'s result once committed; its exception if it raised (nothing of it
        is stored then)."""
        outcome: _Outcome[Result] = await self._calls(work)
        return outcome.unwrap()

    @staticmethod
    def _run(works: list[Work], db: Session) -> list[Any]:
        """Every work's `prepare`, then every work, then every work's `finish`: the results."""
        for work in works:
            prepare = getattr(work, "prepare", None)
            if prepare is not None:
                prepare(db)
        results = [work(db) for work in works]
        for number, work in enumerate(works):
            finish = getattr(work, "finish", None)
            if finish is not None:
                results[number] = finish(db)
        return results

    def _run_alone(self, work: Work, reruns: int = STALE_RERUNS) -> _Outcome[Any]:
        try:
            with session_scope(self.engine) as db:
                return _Outcome(self._run([work], db)[0])
        except StaleRead as error:
            if reruns:
                return self._run_alone(work, reruns - 1)
            return _Outcome(error=error)
        except Exception as error:
            return _Outcome(error=error)

    def _run_group(self, works: list[Work]) -> list[_Outcome[Any]]:
        if len(works) == 1:
            return [self._run_alone(works[0])]
        try:
            with session_scope(self.engine) as db:
                results = self._run(works, db)
        except Exception:
            return [self._run_alone(work) for work in works]
        return [_Outcome(result) for result in results]
