"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, and the real API."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from clawscale.api.app import build_api
from clawscale.db import create_db_engine
from clawscale.migrations import upgrade_database
from tests.databases import backends, empty_all_tables, fresh_database
from tests.servers import serve_asgi


@pytest.fixture(scope="session", params=backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database on each backend, shared by the tests of one backend."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    """The engine of the session's database."""
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: sa.Engine) -> Iterator[sa.Engine]:
    """The database engine, emptied after the test."""
    yield engine
    empty_all_tables(engine)


@pytest.fixture
def session(db: sa.Engine) -> Iterator[Session]:
    """A session on the test database."""
    with Session(db, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def api_url(engine: sa.Engine) -> Iterator[str]:
    """The real API served over loopback HTTP on the session's database."""
    with serve_asgi(build_api(engine)) as url:
        yield url


@pytest.fixture
def client(api_url: str, db: sa.Engine) -> Iterator[httpx.Client]:
    """An HTTP client for the real API; the database is emptied after the test."""
    with httpx.Client(base_url=api_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parent.parent
