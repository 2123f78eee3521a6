"""Fixtures of the scale tests: a fresh PostgreSQL database of their own, Redis, and a session
on the database for set-up and observation."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlmodel import Session

from clawscale.db import create_db_engine
from clawscale.migrations import upgrade_database
from tests.databases import fresh_database, postgres_server_url

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"


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


@pytest.fixture
def redis_url() -> str:
    """REDIS_URL (default 127.0.0.1:6379) when a Redis answers there."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {url} (Reflex's state manager when scaled out)")
    return url
