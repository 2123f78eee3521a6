"""The site's language in a real browser: chosen from the browser's language on the first
visit, switched from any page at once (no reload, a half-filled form kept), kept after a reload
and on the next visit, with `<html lang>` and the tab title following; a signed-in customer's
choice is the language of their email."""

# The Chinese the pages show is written with full-width punctuation.

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PASSWORD, fill, wait_for
from tests.browser.languages import english_words, screenshots

LOGIN = "/auth/login"


def locale_cookie(context: BrowserContext) -> str | None:
    """The value of the language cookie the browser keeps, if any."""
    values = [cookie["value"] for cookie in context.cookies() if cookie["name"] == "coke-locale"]
    return values[0] if values else None


def test_a_chinese_browser_gets_chinese_and_a_choice_of_english_holds(
    chinese_context: BrowserContext, frontend_url: str
) -> None:
    page = chinese_context.new_page()
    page.goto(f"{frontend_url}{LOGIN}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page).to_have_title("登录 · ClawScale")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert english_words(page) == []
    screenshots(page, "login")
    assert locale_cookie(chinese_context) is None

    page.get_by_role("radio", name="English").click()
    expect(heading).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Sign in · ClawScale")
    expect(page.get_by_label("Password")).to_be_visible()
    assert locale_cookie(chinese_context) == "en"

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    screenshots(page, "login")
    later = chinese_context.new_page()
    later.goto(f"{frontend_url}/auth/register")
    expect(later.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    expect(later.locator("html")).to_have_attribute("lang", "en")


def test_an_english_browser_switches_to_chinese_and_form_problems_follow(
    page: Page, frontend_url: str
) -> None:
    page.goto(f"{frontend_url}{LOGIN}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email address")).to_be_visible()

    page.get_by_role("radio", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    expect(page.get_by_text("请输入邮箱地址")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_switching_to_chinese_mid_sign_up_carries_through_the_journey(
    page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    email = new_email("switcher")
    page.goto(f"{frontend_url}/auth/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create account")
    fill(page, {"Your name": "小周", "Email": email, "Password": PASSWORD})

    page.get_by_role("radio", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("注册")
    expect(page.get_by_label("邮箱")).to_have_value(email)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page).to_have_url(f"{frontend_url}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("账号")
    assert english_words(page, "main") == []
    assert identity_locale(email) == "zh_Hans"
    assert newest_subject(email) == "验证邮箱"

    page.goto(f"{frontend_url}/channels/wechat-personal")
    expect(page.get_by_role("heading", level=1)).to_have_text("个人微信")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("个人微信")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    next_visit = page.context.new_page()
    next_visit.goto(f"{frontend_url}/account")
    expect(next_visit.get_by_role("heading", level=1)).to_have_text("账号")

    next_visit.get_by_role("radio", name="English").click()
    expect(next_visit.get_by_role("heading", level=1)).to_have_text("Account")
    wait_for(lambda: identity_locale(email) == "en")


def identity_locale(email: str) -> str | None:
    """The language `email`'s identity is written to in."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import Identity

    with session_scope(get_engine()) as db:
        return db.exec(select(Identity.locale).where(Identity.email == email)).one()


def newest_subject(email: str) -> str:
    """The subject of the newest email to `email`."""
    from sqlmodel import col, select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import EmailMessage

    with session_scope(get_engine()) as db:
        return db.exec(
            select(EmailMessage.subject)
            .where(EmailMessage.recipient == email)
            .order_by(col(EmailMessage.created_at).desc())
        ).first()
