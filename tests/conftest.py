"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, and the real API."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

from clawscale.api.app import build_api
from clawscale.api.security import current_settings
from clawscale.db import create_db_engine
from clawscale.migrations import upgrade_database
from clawscale.settings import Settings
from tests.databases import backends, empty_all_tables, fresh_database
from tests.servers import serve_asgi
from tests.toolchain import apply_toolchain_environment

apply_toolchain_environment()

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
SHARED_RUN_PACKAGES = ("browser", "starting")
"""Test packages whose tests share one started app (the browser tests' Reflex harness, which
builds in the project's `.web`; the production start's export): each runs on one worker."""


def worker_group(nodeid: str) -> str:
    """The tests one pytest-xdist worker runs together, in their order: a package that shares
    one started app, otherwise the test's module (its module-scoped fixtures made once)."""
    module = nodeid.split("::", 1)[0]
    parts = module.split("/")
    if len(parts) > 2 and parts[1] in SHARED_RUN_PACKAGES:
        return parts[1]
    return module


class GroupScheduling(LoadScopeScheduling):
    """pytest-xdist's scheduling by scope, with `worker_group` as the scope (xdist's own
    `xdist_group` mark does not reach its scheduler under pytest 9)."""

    def _split_scope(self, nodeid: str) -> str:
        return worker_group(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> GroupScheduling:
    """Spread the suite over the workers by `worker_group` (scripts/test runs it on every
    core)."""
    return GroupScheduling(config, log)


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


@pytest.fixture(scope="session")
def observer_engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine for the tests' own reads and set-up: on SQLite it keeps the driver's lazy
    transactions, so reading never holds a lock or a stale snapshot while the app writes."""
    engine = create_db_engine(database_url, serialise_sqlite=False)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db: sa.Engine, observer_engine: sa.Engine) -> Iterator[Session]:
    """A session on the test database."""
    with Session(observer_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def api_app(engine: sa.Engine) -> FastAPI:
    """The real API application on the session's database."""
    return build_api(engine)


@pytest.fixture(scope="session")
def api_url(api_app: FastAPI) -> Iterator[str]:
    """The real API served over loopback HTTP."""
    with serve_asgi(api_app) as url:
        yield url


@pytest.fixture
def client(api_url: str, api_app: FastAPI, db: sa.Engine) -> Iterator[httpx.Client]:
    """An HTTP client for the real API; afterwards the database is emptied, the rate limits
    forgotten and any settings override dropped."""
    with httpx.Client(base_url=api_url, timeout=10) as client:
        yield client
    api_app.dependency_overrides.clear()
    api_app.state.rate_limiter.reset()
    api_app.state.sign_in_limiter.reset()
    api_app.state.api_key_limiter.reset()
    api_app.state.webhook_limiter.reset()
    api_app.state.web_chat_limits.reset()


@pytest.fixture
def use_settings(api_app: FastAPI) -> Callable[..., Settings]:
    """Run the API with these settings for this test: `use_settings(RESEND_API_KEY=...)`."""

    def override(**values: object) -> Settings:
        settings = Settings(_env_file=None, **values)
        api_app.dependency_overrides[current_settings] = lambda: settings
        return settings

    return override


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's top folder."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_url() -> str:
    """REDIS_URL (default 127.0.0.1:6379) when a Redis answers there; scripts/test starts one."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {url}")
    return url
