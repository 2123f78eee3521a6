"""Browser test harness: the real app (Reflex AppHarness) on a temporary SQLite database, and
Playwright driving Debian's Chromium."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from reflex.testing import AppHarness

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` marker."""
    config.addinivalue_line("markers", "browser: drives the running app in a real browser")


def _point_app_at(database_url: str) -> None:
    """Migrate `database_url` and make the app's settings and engine read it afresh."""
    from clawscale.db import get_engine
    from clawscale.migrations import upgrade_database
    from clawscale.settings import get_settings

    os.environ["DATABASE_URL"] = database_url
    os.environ["CORS_ORIGIN"] = "*"
    upgrade_database(database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def app_harness(
    project_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppHarness]:
    """The whole app, started once per test session on its own SQLite file."""
    saved_env = {name: os.environ.get(name) for name in ("DATABASE_URL", "CORS_ORIGIN")}
    database = tmp_path_factory.mktemp("browser-db") / "clawscale.db"
    _point_app_at(f"sqlite:///{database}")
    harness = AppHarness.create(root=project_root, app_name="clawscale")
    try:
        with harness:
            yield harness
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def frontend_url(app_harness: AppHarness) -> str:
    """The base URL of the app's frontend, without a trailing slash."""
    assert app_harness.frontend_url is not None
    return app_harness.frontend_url.rstrip("/")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
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
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
