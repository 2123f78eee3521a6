"""Browser test harness: the real app (Reflex AppHarness) on a temporary SQLite database, and
Playwright driving Debian's Chromium.

The API and the frontend run on random ports, known only once the harness has started; the
app's links (mailed links, the sign-in handoff) are then pointed at them. Both use 127.0.0.1:
the session cookie the API sets must be same-site with the page and reach its websocket.
"""

import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from reflex.testing import AppHarness

from clawscale.domain.rate_limits import shared_auth_limiter

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = "127.0.0.1"
PASSWORD = "correct horse battery"
APP_ENVIRONMENT = (
    "DATABASE_URL",
    "CORS_ORIGIN",
    "CLAWSCALE_ENV",
    "RESEND_API_KEY",
    "AUTH_RATE_LIMIT_PER_IP",
    "CLAWSCALE_PUBLIC_API_URL",
    "DOMAIN_CLIENT",
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` marker."""
    config.addinivalue_line("markers", "browser: drives the running app in a real browser")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Keep a screenshot of the page of a failed test in `.pytest_cache/d/browser-failures/`."""
    report: pytest.TestReport = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and isinstance(page, Page) and item.config.cache:
        folder = item.config.cache.mkdir("browser-failures")
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.name)}.png"
        page.screenshot(path=path, full_page=True)
        report.sections.append(("screenshot", str(path)))
    return report


@contextmanager
def restored_environment(names: tuple[str, ...]) -> Iterator[None]:
    """Put these environment variables back as they were afterwards."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _reload_settings() -> None:
    from clawscale.db import get_engine
    from clawscale.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()


def _point_app_at(database_url: str) -> None:
    """Migrate `database_url`, keep mail in the development mailbox, and loosen the sign-in
    rate limit per address (every test browses from 127.0.0.1)."""
    from clawscale.migrations import upgrade_database

    os.environ.update(
        DATABASE_URL=database_url,
        CORS_ORIGIN="*",
        CLAWSCALE_ENV="development",
        RESEND_API_KEY="",
        AUTH_RATE_LIMIT_PER_IP="1000/minute",
    )
    upgrade_database(database_url)
    _reload_settings()


def _on_loopback(url: str) -> str:
    """`url` with its host spelled 127.0.0.1, without a trailing slash."""
    port = urlsplit(url).port
    return f"http://{LOOPBACK}:{port}"


def _point_links_at(api_url: str, frontend_url: str) -> None:
    """Mailed links and sign-in redirects go to this harness's frontend and API."""
    os.environ.update(CLAWSCALE_PUBLIC_API_URL=api_url, DOMAIN_CLIENT=frontend_url)
    _reload_settings()


@dataclass(frozen=True)
class RunningApp:
    """The started harness and where its two faces answer."""

    harness: AppHarness
    frontend_url: str
    api_url: str


@pytest.fixture(scope="package")
def running_app(
    project_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    """The whole app, started once for the browser tests on its own SQLite file (and stopped
    after them, so Playwright's event loop never reaches the tests that follow)."""
    with restored_environment(APP_ENVIRONMENT):
        database = tmp_path_factory.mktemp("browser-db") / "clawscale.db"
        _point_app_at(f"sqlite:///{database}")
        harness = AppHarness.create(root=project_root, app_name="clawscale")
        with harness:
            assert harness.frontend_url is not None and harness.backend is not None
            host, port = harness.backend.servers[0].sockets[0].getsockname()[:2]
            app = RunningApp(harness, _on_loopback(harness.frontend_url), f"http://{host}:{port}")
            _point_links_at(app.api_url, app.frontend_url)
            yield app
        _reload_settings()


@pytest.fixture(scope="package")
def app_harness(running_app: RunningApp) -> AppHarness:
    """The started Reflex harness."""
    return running_app.harness


@pytest.fixture(scope="package")
def frontend_url(running_app: RunningApp) -> str:
    """The base URL of the app's frontend (on 127.0.0.1), without a trailing slash."""
    return running_app.frontend_url


@pytest.fixture(scope="package")
def api_url(running_app: RunningApp) -> str:
    """The base URL of the API (Reflex's backend), without a trailing slash."""
    return running_app.api_url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the browser tests."""
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        args=CHROMIUM_ARGS,
    )
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page in the test's fresh browser profile; the sign-in rate limits start afresh."""
    yield context.new_page()
    shared_auth_limiter().reset()


@dataclass(frozen=True)
class Person:
    """A customer the test created straight in the app's database."""

    display_name: str
    email: str
    password: str


@pytest.fixture
def new_email() -> Callable[[str], str]:
    """A fresh address per call, so tests never meet each other's accounts or mail."""

    def make(name: str = "person") -> str:
        return f"{name}-{secrets.token_hex(4)}@example.com"

    return make


@pytest.fixture
def customer(app_harness: AppHarness, new_email: Callable[[str], str]) -> Person:
    """A registered customer (email not yet verified), made through the domain."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.customer_accounts import register
    from clawscale.settings import get_settings

    person = Person("Grace Hopper", new_email("grace"), PASSWORD)
    with session_scope(get_engine()) as db:
        register(db, get_settings(), person.display_name, person.email, person.password)
    return person


@pytest.fixture
def signed_in(context: BrowserContext, customer: Person, api_url: str) -> Person:
    """The test's browser holds a live session cookie of `customer`."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.customer_accounts import authenticate, start_session
    from clawscale.domain.sessions import CUSTOMER_COOKIE
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        identity = authenticate(db, customer.email, customer.password)
        token = start_session(db, get_settings(), identity).token
    context.add_cookies(
        [{"name": CUSTOMER_COOKIE, "value": token, "url": api_url, "httpOnly": True}]
    )
    return customer


@dataclass(frozen=True)
class AdminLogin:
    """An admin the test created straight in the app's database."""

    email: str
    password: str


def make_admin(email: str) -> AdminLogin:
    """An active admin with the standard test password, made through the domain."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.admins import create_admin

    with session_scope(get_engine()) as db:
        create_admin(db, email, PASSWORD)
    return AdminLogin(email, PASSWORD)


def admin_session_token(admin: AdminLogin) -> str:
    """A fresh admin session of `admin` (its sign-in is audited, as a real one is)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.admins import sign_in_admin
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        signed_in = sign_in_admin(db, admin.email, admin.password, get_settings().ADMIN_JWT_SECRET)
        assert signed_in is not None
        return signed_in.issued.token


@pytest.fixture
def admin(app_harness: AppHarness, new_email: Callable[[str], str]) -> AdminLogin:
    """A new active admin for the test."""
    return make_admin(new_email("admin"))


@pytest.fixture
def signed_in_admin(context: BrowserContext, admin: AdminLogin, api_url: str) -> AdminLogin:
    """The test's browser holds a live admin session cookie of `admin`."""
    from clawscale.domain.sessions import ADMIN_COOKIE

    token = admin_session_token(admin)
    context.add_cookies([{"name": ADMIN_COOKIE, "value": token, "url": api_url, "httpOnly": True}])
    return admin
