"""Test databases: a fresh SQLite file, and a fresh PostgreSQL database when a server answers;
and PostgreSQL's plan for a claim."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from clawscale.db import planner_avoids, session_scope
from clawscale.domain.queue import leases
from clawscale.models.base import utcnow
from clawscale.settings import normalise_database_url

LOCAL_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str | None:
    """TEST_DATABASE_URL when set (it must answer), else the local server if it answers."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return normalise_database_url(configured)
    engine = sa.create_engine(LOCAL_POSTGRES_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_POSTGRES_URL
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


def backends() -> list[str]:
    """The database backends this run tests on."""
    return ["sqlite", "postgresql"] if postgres_server_url() else ["sqlite"]


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of a new, empty database on `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'test-{secrets.token_hex(4)}.db'}"
        return
    server_url = postgres_server_url()
    assert server_url, "no PostgreSQL server to test on"
    name = f"clawscale_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_all_tables(engine: sa.Engine) -> None:
    """Delete every row of every table, children first."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


def claim_plan(engine: sa.Engine, heads: sa.Select, avoiding: tuple[str, ...] = ("sort",)) -> str:
    """PostgreSQL's plan for a claim's SELECT of due heads, as `leases.walk_oldest_first` runs
    it (the planner avoiding `avoiding`, as the claim's transaction does), for a batch of 16."""
    statement = heads.params(limit=16, **{leases.NOW.key: utcnow()}).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    with session_scope(engine) as reader:
        planner_avoids(reader, *avoiding)
        rows = reader.connection().exec_driver_sql(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in rows)
