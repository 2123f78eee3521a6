"""The landing page, the password and email-link pages, the admin sign-in and the development
mailbox in a Chinese browser: every word in Chinese, the forms' answers too, and the same page
in English after the switch (screenshots of both, at both widths)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from clawscale.i18n.catalogs import gettext
from clawscale.i18n.locales import CHINESE
from clawscale.pages.admin import login as admin_login
from clawscale.pages.auth import forgot_password, reset_password, verify_email
from clawscale.pages.dev import mailbox
from clawscale.pages.index import HERO_HEADING, LANDING_TITLE
from clawscale.state.link_forms import LINK_INVALID
from clawscale.state.neutral import RESET_LINK_SENT, VERIFICATION_LINK_SENT
from tests.browser.languages import english_words, screenshots

pytestmark = pytest.mark.browser

SETTING_NAME = ["RESEND", "KEY"]
"""The words of `RESEND_API_KEY`, a setting named on the mailbox page as it is spelled."""
INCOMPLETE_LINK = (
    "This link is incomplete. Open the link from your email again, or copy all of it into the "
    "address bar."
)


def chinese(message: str, **params: object) -> str:
    """`message` (an English message id) as the Chinese catalog has it."""
    return gettext(CHINESE, message, **params)


@dataclass(frozen=True)
class Shown:
    """A page to look at: its path, its h1 and a text it shows once loaded (English message
    ids)."""

    name: str
    path: str
    heading: str
    loaded: str


PAGES = [
    Shown("landing", "/", HERO_HEADING, "Why ClawScale"),
    Shown(
        "forgot-password", "/auth/forgot-password", forgot_password.SPEC.title, "Send reset link"
    ),
    Shown(
        "reset-password",
        "/auth/reset-password?token=a-mailed-token",
        reset_password.SPEC.title,
        "Repeat the new password",
    ),
    Shown(
        "reset-password-incomplete-link",
        "/auth/reset-password",
        reset_password.SPEC.title,
        INCOMPLETE_LINK,
    ),
    Shown(
        "verify-email",
        "/auth/verify-email?email=someone%40example.com&token=not-a-real-token",
        verify_email.SPEC.title,
        LINK_INVALID,
    ),
    Shown("admin-login", "/admin/login", admin_login.SPEC.title, "Customer sign in"),
]


def switch_to_english(page: Page, heading: str) -> None:
    """Choose English in the header and wait for the page's h1 to say `heading`."""
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("shown", PAGES, ids=[shown.name for shown in PAGES])
def test_public_page_speaks_chinese_then_english(
    chinese_page: Page, frontend_url: str, shown: Shown
) -> None:
    chinese_page.goto(frontend_url + shown.path)

    expect(chinese_page.get_by_role("heading", level=1)).to_have_text(chinese(shown.heading))
    expect(chinese_page.get_by_text(chinese(shown.loaded), exact=True)).to_be_visible()
    assert english_words(chinese_page) == []
    screenshots(chinese_page, shown.name)

    switch_to_english(chinese_page, shown.heading)
    expect(chinese_page.get_by_text(shown.loaded, exact=True)).to_be_visible()
    screenshots(chinese_page, shown.name)


def test_landing_page_title_follows_the_language(chinese_page: Page, frontend_url: str) -> None:
    chinese_page.goto(frontend_url + "/")

    expect(chinese_page).to_have_title(chinese(LANDING_TITLE))
    expect(chinese_page).to_have_title(re.compile("^ClawScale — .*智能体"))
    main = chinese_page.get_by_role("main")
    expect(main.get_by_role("link", name="注册", exact=True)).to_have_attribute(
        "href", "/auth/register"
    )
    expect(main.get_by_role("heading", level=3)).to_have_text(
        ["你的个人微信", "共享渠道", "多对多路由"]
    )

    switch_to_english(chinese_page, HERO_HEADING)
    expect(chinese_page).to_have_title(LANDING_TITLE)


def test_the_password_forms_answer_in_chinese(chinese_page: Page, frontend_url: str) -> None:
    page = chinese_page
    page.goto(frontend_url + "/auth/forgot-password")
    page.get_by_role("button", name="发送重置链接").click()
    expect(page.get_by_text("请输入邮箱地址")).to_be_visible()
    page.get_by_label("邮箱", exact=True).fill("nobody@example.com")
    page.get_by_role("button", name="发送重置链接").click()
    expect(page.get_by_role("status")).to_have_text(chinese(RESET_LINK_SENT))

    page.goto(frontend_url + "/auth/reset-password?token=not-a-real-token")
    expect(page.get_by_text("至少 8 个字符。")).to_be_visible()
    page.get_by_label("新密码", exact=True).fill("a long new password")
    page.get_by_label("再次输入新密码", exact=True).fill("something else")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("两次输入的密码不一致")).to_be_visible()
    page.get_by_label("再次输入新密码", exact=True).fill("a long new password")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_role("alert")).to_have_text(chinese(LINK_INVALID))
    assert english_words(page) == []


def test_a_new_verification_link_is_promised_in_chinese(
    chinese_page: Page, frontend_url: str
) -> None:
    chinese_page.goto(
        frontend_url + "/auth/verify-email?email=someone%40example.com&token=not-a-real-token"
    )
    chinese_page.get_by_role("button", name="发送新链接").click()

    expect(chinese_page.get_by_role("status")).to_have_text(chinese(VERIFICATION_LINK_SENT))


def test_development_mailbox_speaks_chinese_then_english(
    chinese_page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.mail.queue import queue_mail
    from clawscale.settings import get_settings

    recipient = new_email("reader")
    for number in range(1, mailbox.PAGE_SIZE + 2):
        with session_scope(get_engine()) as db:
            queue_mail(
                db,
                get_settings(),
                recipient,
                f"第 {number} 封通知",
                f"请打开 {frontend_url}/account 查看你的账号。",
            )

    chinese_page.goto(frontend_url + "/dev/mailbox")
    expect(chinese_page.get_by_role("heading", level=1)).to_have_text(chinese(mailbox.SPEC.title))
    newest = chinese_page.get_by_role("article").first
    expect(newest.get_by_role("heading")).to_have_text(f"第 {mailbox.PAGE_SIZE + 1} 封通知")
    expect(newest).to_contain_text(f"收件人 {recipient} · ")
    expect(newest).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d UTC"))
    expect(chinese_page.get_by_role("button", name="加载更多")).to_be_visible()
    assert english_words(chinese_page) == SETTING_NAME
    screenshots(chinese_page, "dev-mailbox")

    switch_to_english(chinese_page, mailbox.SPEC.title)
    expect(newest).to_contain_text(f"To {recipient} · ")
    expect(newest).to_contain_text(re.compile(r"\d{4}\D+\d\d:\d\d UTC"))
    screenshots(chinese_page, "dev-mailbox")
