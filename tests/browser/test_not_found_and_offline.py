"""A path no route matches shows the not-found page in the visitor's language, and the console's
overview says `Offline` while its connection to the backend is down, then `Live` again."""

import re

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.browser.conftest import AdminLogin, warm_up

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, ("/no-such-page", "/admin"))


def test_an_unknown_path_shows_the_not_found_page_in_english(page: Page, frontend_url: str):
    page.goto(frontend_url + "/no-such-page/at-all")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page).to_have_title("Page not found · ClawScale")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(frontend_url + "/")


def test_an_unknown_path_shows_the_not_found_page_in_chinese(chinese_page: Page, frontend_url: str):
    chinese_page.goto(frontend_url + "/no-such-page")
    expect(chinese_page.get_by_role("heading", name="找不到页面")).to_be_visible()
    expect(chinese_page.get_by_role("link", name="返回首页")).to_be_visible()


class Backend:
    """The page's websockets to the backend, passed through until `cut` closes them and has
    the backend close new ones as they open, and after `restore` passed through again."""

    def __init__(self) -> None:
        self.cut_off = False
        self.open: list[WebSocketRoute] = []

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        if self.cut_off:
            server.close()
            return
        self.open.append(socket)

    def cut(self) -> None:
        self.cut_off = True
        for socket in self.open:
            socket.close()
        self.open.clear()

    def restore(self) -> None:
        self.cut_off = False


def test_the_overview_says_offline_while_the_backend_is_unreachable(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
):
    backend = Backend()
    page.route_web_socket(re.compile(r"/_event"), backend.route)
    page.goto(frontend_url + "/admin")
    status = page.get_by_role("status").filter(has_text=re.compile(r"^(Live|Offline)"))
    expect(status).to_contain_text("Live · refreshed")

    backend.cut()
    expect(status).to_contain_text("Offline")

    backend.restore()
    expect(status).to_contain_text("Live · refreshed")
