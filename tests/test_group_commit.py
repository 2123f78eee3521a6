"""Group commit on both databases: concurrent works share one transaction, each caller hears
its result only once it is committed, and a work that fails costs the others nothing."""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from clawscale.db import StaleRead
from clawscale.domain.errors import Conflict
from clawscale.group_commit import GroupCommit
from clawscale.models import Customer
from tests.engine_events import listening


def stored_names(engine: sa.Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Customer.display_name)).all())


def add_customer(name: str, *, fail: bool = False) -> Callable[[Session], str]:
    def work(db: Session) -> str:
        db.add(Customer(display_name=name))
        db.flush()
        if fail:
            raise Conflict("name_taken", "Refused after writing.")
        return name

    return work


@contextmanager
def counted_commits(engine: sa.Engine) -> Iterator[list[None]]:
    commits: list[None] = []

    def count(_connection: sa.Connection) -> None:
        commits.append(None)

    with listening(engine, "commit", count):
        yield commits


def test_concurrent_works_are_one_transaction_and_heard_only_once_committed(db):
    group_commit = GroupCommit(db)

    async def caller(name: str) -> None:
        assert await group_commit(add_customer(name)) == name
        assert name in stored_names(db)

    async def run() -> None:
        await asyncio.gather(*(caller(f"customer {number}") for number in range(20)))

    with counted_commits(db) as commits:
        asyncio.run(run())
    assert len(commits) == 1
    assert stored_names(db) == {f"customer {number}" for number in range(20)}


def test_a_failing_work_gets_its_error_and_the_others_are_stored(db):
    group_commit = GroupCommit(db)
    names = [f"customer {number}" for number in range(8)]

    async def run() -> list[object]:
        works = [add_customer(name, fail=name == "customer 3") for name in names]
        return await asyncio.gather(*(group_commit(work) for work in works), return_exceptions=True)

    results = asyncio.run(run())
    assert isinstance(results[3], Conflict)
    assert [result for result in results if not isinstance(result, Conflict)] == [
        name for name in names if name != "customer 3"
    ]
    assert stored_names(db) == set(names) - {"customer 3"}


def test_a_lone_work_that_fails_stores_nothing(db):
    group_commit = GroupCommit(db)
    with pytest.raises(Conflict):
        asyncio.run(group_commit(add_customer("alone", fail=True)))
    assert stored_names(db) == set()


class PreparedWork:
    """A work with `prepare` and `finish` steps, noting each step in `steps` with the session's
    transaction."""

    def __init__(self, name: str, steps: list[tuple[str, str, object]]) -> None:
        self.name = name
        self.steps = steps

    def prepare(self, db: Session) -> None:
        db.connection()
        self.steps.append(("prepare", self.name, db.get_transaction()))

    def __call__(self, db: Session) -> str:
        self.steps.append(("work", self.name, db.get_transaction()))
        return add_customer(self.name, fail=self.name == "refused")(db)

    def finish(self, db: Session) -> str:
        self.steps.append(("finish", self.name, db.get_transaction()))
        return f"{self.name} finished"


def test_a_group_prepares_every_work_runs_each_then_finishes_each_in_its_transaction(db):
    group_commit = GroupCommit(db)
    steps: list[tuple[str, str, object]] = []
    names = ["a", "b", "c"]

    async def run() -> list[str]:
        return await asyncio.gather(*(group_commit(PreparedWork(name, steps)) for name in names))

    assert asyncio.run(run()) == [f"{name} finished" for name in names]
    assert [(step, name) for step, name, _ in steps] == [
        *(("prepare", name) for name in names),
        *(("work", name) for name in names),
        *(("finish", name) for name in names),
    ]
    assert len({transaction for _, _, transaction in steps}) == 1
    assert stored_names(db) == set(names)


def test_a_work_run_again_alone_is_prepared_again_in_its_own_transaction(db):
    group_commit = GroupCommit(db)
    steps: list[tuple[str, str, object]] = []

    async def run() -> list[object]:
        works = [PreparedWork(name, steps) for name in ("a", "refused")]
        return await asyncio.gather(*(group_commit(work) for work in works), return_exceptions=True)

    results = asyncio.run(run())
    assert results[0] == "a finished"
    assert isinstance(results[1], Conflict)
    alone = [(step, name) for step, name, _ in steps[4:]]
    assert alone == [
        ("prepare", "a"),
        ("work", "a"),
        ("finish", "a"),
        ("prepare", "refused"),
        ("work", "refused"),
    ]
    assert steps[4][2] is steps[6][2] and steps[4][2] is not steps[0][2]
    assert stored_names(db) == {"a"}


def stale_for(runs: int, name: str) -> Callable[[Session], str]:
    """A work that writes, then finds its cache stale in its first `runs` runs."""
    seen: list[None] = []

    def work(db: Session) -> str:
        db.add(Customer(display_name=f"{name} {len(seen)}"))
        db.flush()
        seen.append(None)
        if len(seen) <= runs:
            raise StaleRead(name)
        return name

    return work


def test_a_work_that_finds_its_cache_stale_runs_again_once(db):
    group_commit = GroupCommit(db)
    assert asyncio.run(group_commit(stale_for(1, "refreshed"))) == "refreshed"
    assert stored_names(db) == {"refreshed 1"}
    with pytest.raises(StaleRead):
        asyncio.run(group_commit(stale_for(2, "changing")))
    assert stored_names(db) == {"refreshed 1"}
