"""Fixtures of the scale tests: a fresh PostgreSQL database of their own and a session on it
for set-up and observation (Redis: `redis_url` in tests/conftest.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from clawscale.db import create_db_engine
from clawscale.migrations import upgrade_database
from tests.databases import fresh_database, postgres_server_url


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A new, migrated database on the test PostgreSQL server, dropped afterwards."""
    if postgres_server_url() is None:
        pytest.skip("no PostgreSQL server answers (TEST_DATABASE_URL or 127.0.0.1:5432)")
    with fresh_database("postgresql", tmp_path) as url:
        upgrade_database(url)
        yield url


@pytest.fixture
def postgres_session(postgres_url: str) -> Iterator[Session]:
    """A session on `postgres_url` for the test's own set-up and reads."""
    engine = create_db_engine(postgres_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()
