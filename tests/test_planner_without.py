"""`planner_without`: on PostgreSQL the planner avoids the method inside the block only; on
SQLite it changes nothing."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from clawscale.db import planner_without, session_scope


def setting(db: Session, name: str) -> str:
    return db.connection().exec_driver_sql(f"SHOW {name}").scalar_one()


def test_the_method_is_off_inside_the_block_only(db: sa.Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's planner has no such settings")
    with session_scope(db) as session:
        with planner_without(session, "seqscan"):
            inside = setting(session, "enable_seqscan")
        after = setting(session, "enable_seqscan")
    assert (inside, after) == ("off", "on")


def test_sqlite_runs_the_block_unchanged(db: sa.Engine) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is the other test")
    with session_scope(db) as session, planner_without(session, "seqscan"):
        assert session.connection().exec_driver_sql("SELECT 1").scalar_one() == 1
