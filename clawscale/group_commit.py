"""Group commit: short transactions of concurrent requests run and committed together.

Each caller hands over `work(session)` and awaits its result, which it gets only once the
transaction holding its work has committed (so an answer sent after it still means "stored").
The works that arrive while a transaction runs go together in the next one, in a thread: one
thread hop, one BEGIN and one COMMIT for all of them, instead of one each. When any work of a
group raises (a conflict, a rejected request, a database error), the group is rolled back and
each of its works runs again in a transaction of its own, so every caller gets exactly the
result or exception it would have had alone; a work must therefore touch nothing but the
session it is given.

A work may have a `prepare(session)` method: the group runs every work's `prepare` before the
first work, in the same transaction (a work run alone is prepared first too), so that the works
can say what they are about to read and have it read for all of them at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.batched_calls import BatchedCalls
from clawscale.db import session_scope

Result = TypeVar("Result")
Work = Callable[[Session], Any]


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
    def _prepare(works: list[Work], db: Session) -> None:
        for work in works:
            prepare = getattr(work, "prepare", None)
            if prepare is not None:
                prepare(db)

    def _run_alone(self, work: Work) -> _Outcome[Any]:
        try:
            with session_scope(self.engine) as db:
                self._prepare([work], db)
                return _Outcome(work(db))
        except Exception as error:
            return _Outcome(error=error)

    def _run_group(self, works: list[Work]) -> list[_Outcome[Any]]:
        if len(works) == 1:
            return [self._run_alone(works[0])]
        try:
            with session_scope(self.engine) as db:
                self._prepare(works, db)
                results = [work(db) for work in works]
        except Exception:
            return [self._run_alone(work) for work in works]
        return [_Outcome(result) for result in results]
