"""Browser test harness: the real app (Reflex AppHarness) on a temporary SQLite database, and
Playwright driving Debian's Chromium.

The API runs on a free port chosen before the harness starts, so the settings the app's workers
read at start name it (a web chat's replies are delivered to the app's own API); the frontend's
random port is known only once the harness has started, and the app's links (mailed links, the
sign-in handoff) are then pointed at it. Both use 127.0.0.1: the session cookie the API sets
must be same-site with the page and reach its websocket.

The app's workers read their settings once, when the harness starts, so payments are
configured from the start (a fake Stripe for the whole run): the inbound worker then holds the
messages of customers whose access has lapsed, as in production. A test that buys gets its own
fake Stripe (`stripe`); `without_payments` takes the keys away from the pages.

The fakes of the app's peers (iLink, the agent runtime, Stripe) are fixtures here too, each
pointed at by the app's settings for one test.
"""

import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from reflex.testing import AppHarness

from clawscale.domain.rate_limits import shared_auth_limiter, shared_sign_in_limiter
from tests.fakes.ilink import FakeILink, fake_ilink
from tests.fakes.runtime import FakeRuntime, fake_runtime
from tests.fakes.stripe import FakeStripe, fake_stripe

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = "127.0.0.1"
PASSWORD = "correct horse battery"
FIRST_LOAD_MS = 180_000
PRICE_ID = "price_browser_30_days"
FLOW_SECONDS = 45.0
STRIPE_ENVIRONMENT = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_ID",
    "STRIPE_API_BASE_URL",
)
APP_ENVIRONMENT = (
    "DATABASE_URL",
    "CORS_ORIGIN",
    "CLAWSCALE_ENV",
    "RESEND_API_KEY",
    "AUTH_RATE_LIMIT_PER_IP",
    "CLAWSCALE_PUBLIC_API_URL",
    "DOMAIN_CLIENT",
    *STRIPE_ENVIRONMENT,
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` marker."""
    config.addinivalue_line("markers", "browser: drives the running app in a real browser")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Keep a screenshot of the page of a failed test in `.pytest_cache/d/browser-failures/`
    (when the cache plugin is on)."""
    report: pytest.TestReport = yield
    page = getattr(item, "funcargs", {}).get("page")
    cache = getattr(item.config, "cache", None)
    if report.when == "call" and report.failed and isinstance(page, Page) and cache:
        folder = cache.mkdir("browser-failures")
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


def _refresh_settings() -> None:
    """The app reads the environment afresh from its next request on."""
    from clawscale.settings import get_settings

    get_settings.cache_clear()


def _reload_settings() -> None:
    from clawscale.db import get_engine

    _refresh_settings()
    get_engine.cache_clear()


@contextmanager
def app_environment(**values: str) -> Iterator[None]:
    """The running app's requests read these environment variables during the block (its
    workers keep the settings they started with); as they were afterwards."""
    with restored_environment(tuple(values)):
        os.environ.update(values)
        _refresh_settings()
        yield
    _refresh_settings()


def _stripe_environment(stripe: FakeStripe) -> dict[str, str]:
    """The settings that sell passes through this fake Stripe."""
    return {
        "STRIPE_SECRET_KEY": stripe.api_key,
        "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
        "STRIPE_PRICE_ID": PRICE_ID,
        "STRIPE_API_BASE_URL": stripe.url,
    }


def _point_app_at(database_url: str, stripe: FakeStripe, api_url: str) -> None:
    """Migrate `database_url`, answer the API at `api_url`, keep mail in the development
    mailbox, sell passes through `stripe`, and loosen the sign-in rate limit per address (every
    test browses from 127.0.0.1)."""
    from clawscale.migrations import upgrade_database

    os.environ.update(
        DATABASE_URL=database_url,
        CORS_ORIGIN="*",
        CLAWSCALE_ENV="development",
        RESEND_API_KEY="",
        AUTH_RATE_LIMIT_PER_IP="1000/minute",
        CLAWSCALE_PUBLIC_API_URL=api_url,
        **_stripe_environment(stripe),
    )
    upgrade_database(database_url)
    _reload_settings()


def free_port() -> int:
    """A port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class GatewayHarness(AppHarness):
    """Reflex's harness with the backend on `backend_port` (0: any free port)."""

    backend_port: int = 0

    def _start_backend(self, port: int = 0) -> None:
        super()._start_backend(port=port or self.backend_port)


def _on_loopback(url: str) -> str:
    """`url` with its host spelled 127.0.0.1, without a trailing slash."""
    port = urlsplit(url).port
    return f"http://{LOOPBACK}:{port}"


def _point_links_at(frontend_url: str) -> None:
    """Mailed links and sign-in redirects go to this harness's frontend."""
    os.environ.update(DOMAIN_CLIENT=frontend_url)
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
    """The whole app, started once for the browser tests on its own SQLite file with payments
    configured (and stopped after them, so Playwright's event loop never reaches the tests that
    follow)."""
    with restored_environment(APP_ENVIRONMENT), fake_stripe() as stripe:
        database = tmp_path_factory.mktemp("browser-db") / "clawscale.db"
        api_url = f"http://{LOOPBACK}:{free_port()}"
        _point_app_at(f"sqlite:///{database}", stripe, api_url)
        harness = GatewayHarness.create(root=project_root, app_name="clawscale")
        harness.backend_port = urlsplit(api_url).port or 0
        with harness:
            assert harness.frontend_url is not None
            app = RunningApp(harness, _on_loopback(harness.frontend_url), api_url)
            _point_links_at(app.frontend_url)
            yield app
        _reload_settings()


@pytest.fixture(scope="package")
def app_harness(running_app: RunningApp) -> AppHarness:
    """The started Reflex harness."""
    return running_app.harness


def every_route() -> tuple[str, ...]:
    """Every page's route, a dynamic segment filled with a value no record has."""
    from clawscale.pages import site_pages
    from clawscale.settings import get_settings

    routes = (page.spec.route for page in site_pages(get_settings()))
    return ("/", *(re.sub(r"\[\w+\]", "none", route) for route in routes))


@pytest.fixture(scope="package")
def frontend_url(running_app: RunningApp, browser: Browser) -> str:
    """The base URL of the app's frontend (on 127.0.0.1), without a trailing slash; every
    page has been loaded once, so no test waits for the development server's first build."""
    warm_up(browser, running_app.frontend_url, every_route())
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


def fresh_profile(browser: Browser, locale: str) -> Iterator[BrowserContext]:
    """A new browser profile (no cookies) whose browser asks for `locale`, closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for each test, its language English."""
    yield from fresh_profile(browser, "en-US")


@pytest.fixture
def chinese_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile whose browser asks for Simplified Chinese."""
    yield from fresh_profile(browser, "zh-CN")


@pytest.fixture
def chinese_page(chinese_context: BrowserContext) -> Iterator[Page]:
    """A page in a fresh profile that asks for Simplified Chinese."""
    yield chinese_context.new_page()
    shared_auth_limiter().reset()
    shared_sign_in_limiter().reset()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page in the test's fresh browser profile; the sign-in rate limits start afresh."""
    yield context.new_page()
    shared_auth_limiter().reset()
    shared_sign_in_limiter().reset()


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
    from clawscale.domain.accounts.customers import register
    from clawscale.settings import get_settings

    person = Person("Grace Hopper", new_email("grace"), PASSWORD)
    with session_scope(get_engine()) as db:
        register(db, get_settings(), person.display_name, person.email, person.password)
    return person


@pytest.fixture
def signed_in(context: BrowserContext, customer: Person, api_url: str) -> Person:
    """The test's browser holds a live session cookie of `customer`."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import authenticate, start_session
    from clawscale.domain.accounts.sessions import CUSTOMER_COOKIE
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
    from clawscale.domain.accounts.admins import create_admin

    with session_scope(get_engine()) as db:
        create_admin(db, email, PASSWORD)
    return AdminLogin(email, PASSWORD)


def admin_session_token(admin: AdminLogin) -> str:
    """A fresh admin session of `admin` (its sign-in is audited, as a real one is)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.admins import sign_in_admin
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
    from clawscale.domain.accounts.sessions import ADMIN_COOKIE

    token = admin_session_token(admin)
    context.add_cookies([{"name": ADMIN_COOKIE, "value": token, "url": api_url, "httpOnly": True}])
    return admin


@pytest.fixture
def stripe(running_app: RunningApp) -> Iterator[FakeStripe]:
    """The running app sells passes through a fake Stripe of this test's own."""
    with fake_stripe() as fake, app_environment(**_stripe_environment(fake)):
        yield fake


@pytest.fixture
def without_payments(running_app: RunningApp) -> Iterator[None]:
    """The app's pages find no Stripe keys during the test."""
    with app_environment(STRIPE_SECRET_KEY="", STRIPE_PRICE_ID=""):
        yield


@pytest.fixture
def ilink(running_app: RunningApp) -> Iterator[FakeILink]:
    """A fake iLink the running app uses for QR logins (its settings point there)."""
    with fake_ilink(hold_seconds=1.0) as fake, app_environment(WECHAT_ILINK_BASE_URL=fake.url):
        yield fake


@pytest.fixture
def runtime(running_app: RunningApp) -> Iterator[FakeRuntime]:
    """A fake agent runtime, the app's default agent during the test (the earlier default, if
    any, is restored afterwards)."""
    from sqlmodel import col, select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.runtime.agents import create_agent
    from clawscale.models import Agent
    from clawscale.settings import get_settings

    def set_default(agent_ids: list[str], is_default: bool) -> None:
        with session_scope(get_engine()) as db:
            for agent_id in agent_ids:
                agent = db.get(Agent, agent_id)
                if agent is not None:
                    agent.is_default = is_default
                    db.add(agent)

    with session_scope(get_engine()) as db:
        earlier = list(db.exec(select(Agent.id).where(col(Agent.is_default))).all())
    set_default(earlier, False)
    with fake_runtime() as fake:
        with session_scope(get_engine()) as db:
            slug = f"browser-test-{time.monotonic_ns()}"
            agent = create_agent(
                db, get_settings(), slug, "Test agent", fake.endpoint, fake.token, is_default=True
            )
            agent_id = agent.id
        try:
            yield fake
        finally:
            set_default([agent_id], False)
            set_default(earlier, True)


def prepare(person: Person, *, verified: bool = True, age: timedelta = timedelta(0)) -> str:
    """Verify the person's email (as following the mailed link does) and make their customer
    `age` old; the customer id."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import account_of
    from clawscale.models import ClaimStatus, Identity
    from clawscale.models.base import utcnow

    with session_scope(get_engine()) as db:
        identity = db.exec(select(Identity).where(Identity.email == person.email)).one()
        if verified:
            identity.email_verified_at = utcnow()
            identity.claim_status = ClaimStatus.ACTIVE
        customer = account_of(db, identity).customer
        customer.created_at = utcnow() - age
        db.add_all([identity, customer])
        return customer.id


def wait_for(condition: Callable[[], object], seconds: float = FLOW_SECONDS) -> None:
    """Poll `condition` until it holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def fill(page: Page, values: dict[str, str]) -> None:
    """Type into the fields labelled with the keys."""
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


def sign_in(page: Page, email: str, password: str) -> None:
    """Submit the sign-in form of the current page."""
    fill(page, {"Email": email, "Password": password})
    page.get_by_role("button", name="Sign in").click()


def warm_up(browser: Browser, frontend_url: str, routes: tuple[str, ...]) -> None:
    """Load each route once with a long timeout: the development server builds a route's
    modules on its first request, which on a busy machine takes longer than a test waits."""
    page = browser.new_page()
    try:
        for route in routes:
            page.goto(frontend_url + route, timeout=FIRST_LOAD_MS)
    finally:
        page.close()
