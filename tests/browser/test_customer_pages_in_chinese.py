"""The customer's own pages in Chinese, in a browser that asks for it: the account (unverified,
active, lapsed, back from Checkout), personal WeChat in its states (verify first, not set up,
the QR code, scanned, connected, needs a new login, disconnected, access lapsed), the Google
Calendar import (blocked, ready, a finished run) and the hand-off link's problems. Each state
has no English word left, and is kept as screenshots in Chinese, then in English (switched on
the page), at 1280 and 390 px."""

# The Chinese the pages show is written with full-width punctuation.
# ruff: noqa: RUF001

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from reflex.testing import AppHarness

from clawscale.web_links import WECHAT_PERSONAL_PATH
from tests.browser.conftest import PASSWORD, Person, app_environment, prepare, warm_up
from tests.browser.languages import english_words, in_both_languages
from tests.fakes.ilink import FakeILink
from tests.fakes.runtime import Conversation, FakeRuntime

pytestmark = pytest.mark.browser

ACCOUNT = "/account"
IMPORT = "/account/calendar-import"
HANDOFF = "/handoff/calendar-import"
LAPSED = timedelta(days=31)


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The module's pages, built once before its tests start."""
    warm_up(browser, frontend_url, (ACCOUNT, WECHAT_PERSONAL_PATH, IMPORT, HANDOFF))


@pytest.fixture
def context(chinese_context: BrowserContext) -> BrowserContext:
    """Every browser profile of this module asks for Simplified Chinese (so `signed_in` signs
    in the Chinese one)."""
    return chinese_context


@pytest.fixture
def customer(app_harness: AppHarness, new_email) -> Person:
    """A registered customer with a Chinese name (email not yet verified)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import register
    from clawscale.settings import get_settings

    person = Person("王小明", new_email("wang"), PASSWORD)
    with session_scope(get_engine()) as db:
        register(db, get_settings(), person.display_name, person.email, person.password)
    return person


def test_the_account_in_chinese(chinese_page: Page, frontend_url: str, signed_in: Person) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    page.goto(frontend_url + ACCOUNT)
    expect(page.get_by_role("heading", level=1)).to_have_text("账号")
    expect(main.get_by_text(f"验证链接已发送至 {signed_in.email}")).to_be_visible()
    expect(main).to_contain_text("未验证")
    expect(main).to_contain_text("验证邮箱后即可购买使用期。")
    page.get_by_role("button", name="重新发送验证邮件").click()
    expect(main.get_by_text(f"新的验证链接已发送至 {signed_in.email}。")).to_be_visible()
    in_both_languages(page, "account-unverified")

    prepare(signed_in)
    page.goto(frontend_url + ACCOUNT + "?checkout=success")
    expect(main.get_by_text("感谢付款，支付已成功。")).to_be_visible()
    expect(main).to_contain_text("有效期至")
    expect(main).to_contain_text("UTC")
    expect(page.get_by_role("button", name="续费 30 天")).to_be_visible()
    in_both_languages(page, "account-active")

    prepare(signed_in, age=LAPSED)
    page.goto(frontend_url + ACCOUNT)
    expect(main).to_contain_text("已到期")
    expect(main).to_contain_text("免费试用结束于")
    expect(page.get_by_role("button", name="购买 30 天使用期")).to_be_visible()
    in_both_languages(page, "account-lapsed")


def expire_wechat_session(customer_id: str) -> None:
    """WeChat ends the session of the customer's connected channel (as iLink's -14 does)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.wechat_personal import expire_session, live_channel
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        channel = live_channel(db, customer_id, lock=True)
        assert channel is not None
        expire_session(db, get_settings(), channel)


def test_personal_wechat_in_chinese(
    chinese_page: Page, frontend_url: str, signed_in: Person, ilink: FakeILink
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    page.goto(frontend_url + WECHAT_PERSONAL_PATH)
    expect(main.get_by_text("连接微信前，请先验证邮箱。")).to_be_visible()
    in_both_languages(page, "wechat-verify-first")

    customer_id = prepare(signed_in)
    page.reload()
    expect(main.get_by_text("未设置")).to_be_visible()
    in_both_languages(page, "wechat-not-set-up")

    page.get_by_role("button", name="创建渠道").click()
    expect(main.get_by_text("等待登录")).to_be_visible()
    page.get_by_role("button", name="连接微信").click()
    expect(page.get_by_role("img", name="用微信扫描的二维码")).to_be_visible()
    expect(main.get_by_text("请用手机微信扫描此二维码。")).to_be_visible()
    expect(main.get_by_role("link", name="打开登录链接")).to_be_visible()
    in_both_languages(page, "wechat-qr-code")

    ilink.scan()
    expect(main.get_by_text("已扫码，请在手机微信上确认登录。")).to_be_visible()
    assert english_words(page) == []
    ilink.confirm(ilink_bot_id="wang-bot@im.bot", ilink_user_id="wxid_wang")
    expect(main.get_by_text("已连接", exact=True)).to_be_visible()
    expect(main).to_contain_text("暂无")
    in_both_languages(page, "wechat-connected")

    page.get_by_role("button", name="断开连接", exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_role("heading", name="断开微信？")).to_be_visible()
    assert english_words(page, "[role=alertdialog]") == []
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).not_to_be_visible()

    expire_wechat_session(customer_id)
    page.reload()
    expect(main.get_by_text("需要重新登录")).to_be_visible()
    expect(main.get_by_text("微信已结束会话，请扫描新的二维码重新连接。")).to_be_visible()
    in_both_languages(page, "wechat-needs-new-login")

    page.get_by_role("button", name="断开连接", exact=True).click()
    page.get_by_role("alertdialog").get_by_role("button", name="确认断开").click()
    expect(main.get_by_text("已断开", exact=True)).to_be_visible()
    in_both_languages(page, "wechat-disconnected")

    prepare(signed_in, age=LAPSED)
    page.get_by_role("button", name="连接微信").click()
    expect(page.get_by_role("alert").filter(has_text="你的使用权限已到期")).to_be_visible()
    expect(main.get_by_role("link", name="续费")).to_be_visible()
    in_both_languages(page, "wechat-access-lapsed")


def finished_run(person: Person) -> None:
    """A Google Calendar import of the person's that ended with warnings an hour ago."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import account_of
    from clawscale.models import CalendarImportRun, Identity, ImportRunStatus
    from clawscale.models.base import utcnow

    with session_scope(get_engine()) as db:
        identity = db.exec(select(Identity).where(Identity.email == person.email)).one()
        ended = utcnow() - timedelta(hours=1)
        run = CalendarImportRun(
            customer_id=account_of(db, identity).customer.id,
            identity_id=identity.id,
            target_conversation_id="conversation-wang",
            target_character_id="character",
            target_timezone="Asia/Shanghai",
            status=ImportRunStatus.SUCCEEDED_WITH_ERRORS,
            provider_account_email="wang@example.com",
            imported_count=12,
            skipped_count=3,
            failed_count=1,
            error_summary="duplicate_existing_reminder",
            started_at=ended - timedelta(minutes=1),
            finished_at=ended,
        )
        db.add(run)


@pytest.fixture
def google_configured(running_app: object) -> Iterator[None]:
    """The gateway has a Google OAuth client (nobody is sent to Google in these tests)."""
    with app_environment(
        GOOGLE_CALENDAR_CLIENT_ID="client-id", GOOGLE_CALENDAR_CLIENT_SECRET="client-secret"
    ):
        yield


@pytest.mark.usefixtures("google_configured")
def test_the_calendar_import_in_chinese(
    chinese_page: Page, frontend_url: str, signed_in: Person, runtime: FakeRuntime
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    page.goto(frontend_url + IMPORT)
    expect(page.get_by_role("heading", level=1)).to_have_text("导入 Google 日历")
    expect(main.get_by_text("导入日历前，请先验证邮箱。")).to_be_visible()
    expect(main.get_by_role("link", name="验证邮箱")).to_be_visible()
    in_both_languages(page, "calendar-import-blocked")

    customer_id = prepare(signed_in, age=LAPSED)
    page.reload()
    expect(main.get_by_text("你的使用权限已到期，续费后即可导入日历。")).to_be_visible()
    expect(main.get_by_role("link", name="续费")).to_be_visible()
    assert english_words(page) == []

    prepare(signed_in)
    page.reload()
    expect(main.get_by_text("请先在聊天中给智能体发一条消息")).to_be_visible()
    assert english_words(page) == []

    runtime.conversations.append(Conversation("conversation-wang", customer_id, "wang"))
    page.reload()
    expect(page.get_by_role("button", name="连接 Google 日历")).to_be_visible()
    in_both_languages(page, "calendar-import-ready")

    finished_run(signed_in)
    page.reload()
    expect(main.get_by_text("导入完成，但有警告")).to_be_visible()
    expect(main).to_contain_text("已导入 12 个事件，跳过 3 个，失败 1 个。")
    expect(main).to_contain_text("之前导入过的事件已跳过。")
    expect(main).to_contain_text("完成时间")
    expect(page.get_by_role("button", name="再次导入")).to_be_visible()
    in_both_languages(page, "calendar-import-finished")


def handoff_token(person: Person, *, expired: bool = False, used: bool = False) -> str:
    """A new hand-off link's token for the person's customer, made expired or used."""
    from urllib.parse import parse_qs, urlsplit

    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import account_of
    from clawscale.domain.calendar_import.handoffs import (
        HandoffRequest,
        create_handoff,
        token_digest,
    )
    from clawscale.models import CalendarImportHandoff, HandoffStatus, Identity
    from clawscale.models.base import utcnow
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        identity = db.exec(select(Identity).where(Identity.email == person.email)).one()
        customer_id = account_of(db, identity).customer.id
        request = HandoffRequest(customer_id, "tenant", "channel", "user", "+15550100", "c", "k")
        link = create_handoff(db, get_settings(), request)
        token = parse_qs(urlsplit(link.url).query)["token"][0]
        handoff = db.exec(
            select(CalendarImportHandoff).where(
                CalendarImportHandoff.token_hash == token_digest(token)
            )
        ).one()
        if expired:
            handoff.expires_at = utcnow() - timedelta(minutes=1)
        if used:
            handoff.status = HandoffStatus.CONSUMED
        db.add(handoff)
        return token


def test_the_handoff_link_problems_in_chinese(
    chinese_page: Page, frontend_url: str, customer: Person
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    states = {
        "calendar-handoff-missing": ("", "此导入链接不完整。"),
        "calendar-handoff-invalid": ("not-a-real-token", "此导入链接无效。"),
        "calendar-handoff-expired": (handoff_token(customer, expired=True), "此导入链接已过期"),
        "calendar-handoff-used": (handoff_token(customer, used=True), "此导入链接已被使用。"),
    }
    for name, (token, problem) in states.items():
        page.goto(f"{frontend_url}{HANDOFF}?token={token}")
        expect(page.get_by_role("heading", level=1)).to_have_text("导入你的 Google 日历")
        expect(main.get_by_role("alert").filter(has_text=problem)).to_be_visible()
        in_both_languages(page, name)
    expect(main.get_by_role("link", name="在账号页面导入")).to_be_visible()
