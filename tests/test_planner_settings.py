"""`planner_avoids` and `planner_restored`: on PostgreSQL the planner avoids the methods for the
rest of the transaction, set once, until restored; on SQLite nothing is run."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from clawscale.db import planner_avoids, planner_restored, session_scope


def setting(db: Session, name: str) -> str:
    return db.connection().exec_driver_sql(f"SHOW {name}").scalar_one()


@contextmanager
def settings_run(engine: sa.Engine) -> Iterator[list[str]]:
    """The planner settings statements run on `engine` within the block."""
    run: list[str] = []

    def note(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        if "set_config" in statement:
            run.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield run
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_the_methods_are_avoided_for_the_rest_of_the_transaction_only(db: sa.Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's planner has no such settings")
    with session_scope(db) as session:
        planner_avoids(session, "sort", "seqscan")
        inside = (setting(session, "enable_sort"), setting(session, "enable_seqscan"))
    with session_scope(db) as session:
        after = (setting(session, "enable_sort"), setting(session, "enable_seqscan"))
    assert inside == ("off", "off")
    assert after == ("on", "on")


def test_each_method_is_set_once_a_transaction(db: sa.Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's planner has no such settings")
    with settings_run(db) as settings:
        with session_scope(db) as session:
            planner_avoids(session, "sort")
            planner_avoids(session, "sort", "seqscan")
            planner_avoids(session, "seqscan", "sort")
        with session_scope(db) as session:
            planner_avoids(session, "sort")
    assert len(settings) == 3
    assert "enable_seqscan" in settings[1] and "enable_sort" not in settings[1]


def test_restoring_plans_as_before(db: sa.Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's planner has no such settings")
    with session_scope(db) as session:
        planner_avoids(session, "sort", "seqscan")
        planner_restored(session)
        restored = (setting(session, "enable_sort"), setting(session, "enable_seqscan"))
        planner_avoids(session, "sort")
        avoided_again = setting(session, "enable_sort")
    assert restored == ("on", "on")
    assert avoided_again == "off"


def test_sqlite_runs_nothing(db: sa.Engine) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is the other test")
    with settings_run(db) as settings, session_scope(db) as session:
        planner_avoids(session, "seqscan")
        planner_restored(session)
        assert session.connection().exec_driver_sql("SELECT 1").scalar_one() == 1
    assert settings == []
