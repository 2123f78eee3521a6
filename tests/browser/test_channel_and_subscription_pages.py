"""The customer's channel index (`/channels`) and subscription page (`/account/subscription`) in
a real browser: a customer with no channel yet (invited to connect personal WeChat, or told
what stands in the way), with a connected WeChat channel whose session WeChat then ends (the
index follows it without a reload), with lapsed access; the subscription in the trial, with a
paid pass and a payment history of more than one page, lapsed (paying through the fake Stripe
Checkout; the payment shows once Stripe's webhook arrives, without a reload) and suspended.
Each in English and in Chinese (no English word left), with screenshots of both languages at
1280 and 390 px."""

# The Chinese the pages show is written with full-width punctuation.
# ruff: noqa: RUF001

import re
import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from clawscale.web_links import CHANNELS_PATH, SUBSCRIPTION_PATH, WECHAT_PERSONAL_PATH
from tests.browser.conftest import Person, prepare
from tests.browser.languages import in_both_languages
from tests.fakes.ilink import Bot, FakeILink
from tests.fakes.stripe import FakeStripe

pytestmark = pytest.mark.browser

LAPSED = timedelta(days=31)
LIVE_MS = 30_000
"""How long a change made elsewhere may take to show (the pages read again every 5 s)."""


@pytest.fixture
def context(context: BrowserContext, request: pytest.FixtureRequest) -> BrowserContext:
    """The profile `signed_in` signs in: the Chinese one for a test in Chinese
    (`chinese_page`), else the English one."""
    if "chinese_page" in request.fixturenames:
        return request.getfixturevalue("chinese_context")
    return context


def connect_wechat(customer_id: str, ilink: FakeILink) -> Bot:
    """The customer's personal WeChat channel, logged in (as a confirmed QR login leaves it)
    as a new bot on the fake iLink, whose poller then runs in the app."""
    from clawscale.channels.wechat_personal.adapter import (
        LoginAccount,
        LoginProgress,
        LoginQRCode,
        LoginStatus,
    )
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.wechat_personal import (
        LoginPoll,
        ensure_channel,
        record_login_progress,
        record_login_qrcode,
    )
    from clawscale.settings import get_settings

    bot = ilink.add_bot()
    account = LoginAccount(bot.bot_token, bot.ilink_bot_id, ilink.url, "wxid_grace")
    with session_scope(get_engine()) as db:
        settings = get_settings()
        channel_id = ensure_channel(db, settings, customer_id).id
        code = LoginQRCode("qr-browser", "https://liteapp.weixin.qq.com/q/browser")
        record_login_qrcode(db, settings, channel_id, code)
        progress = LoginProgress(LoginStatus.CONFIRMED, account)
        record_login_progress(db, settings, LoginPoll(channel_id, code.qrcode), progress)
    return bot


def add_passes(customer_id: str, count: int, *, unknown_amount: int | None = None) -> None:
    """`count` passes bought 30 days apart, the newest now (so it runs for 30 days), each for
    $9.00 (the one at index `unknown_amount`, oldest first, without an amount)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.billing.access import PASS_LENGTH
    from clawscale.models import AccessPass
    from clawscale.models.base import utcnow

    now = utcnow()
    with session_scope(get_engine()) as db:
        for index in range(count):
            bought = now - PASS_LENGTH * (count - 1 - index)
            known = index != unknown_amount
            db.add(
                AccessPass(
                    customer_id=customer_id,
                    stripe_checkout_session_id=f"cs_test_{secrets.token_hex(8)}",
                    starts_at=bought,
                    expires_at=bought + PASS_LENGTH,
                    amount_total=900 if known else None,
                    currency="usd" if known else None,
                    created_at=bought,
                )
            )


def suspend(customer_id: str) -> None:
    """An operator suspends the customer."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Customer

    with session_scope(get_engine()) as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        customer.suspended = True
        db.add(customer)


def test_a_customer_with_no_channel_is_invited_to_connect_personal_wechat(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + CHANNELS_PATH)

    expect(page).to_have_title(re.compile("Channels"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Channels")
    expect(page.get_by_text("See every chat channel connected to your agent")).to_be_visible()
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="ClawScale home")).to_be_visible()
    expect(header.locator("[aria-current=page]")).to_have_text("Channels")
    expect(page.get_by_role("contentinfo")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="No channels yet")).to_be_visible()
    connect = main.get_by_role("link", name="Connect personal WeChat")
    expect(connect).to_have_attribute("href", WECHAT_PERSONAL_PATH)

    connect.click()

    expect(page).to_have_url(frontend_url + WECHAT_PERSONAL_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal WeChat")


def test_an_unverified_customer_is_asked_to_verify_before_connecting(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    page.goto(frontend_url + CHANNELS_PATH)

    main = page.get_by_role("main")
    expect(main.get_by_text("Verify your email address before connecting WeChat.")).to_be_visible()
    expect(main.get_by_role("link", name="Verify your email")).to_have_attribute("href", "/account")
    expect(main.get_by_role("link", name="Connect personal WeChat")).to_have_count(0)


def test_a_connected_channel_shows_its_account_and_follows_its_state_live(
    page: Page, frontend_url: str, signed_in: Person, ilink: FakeILink
) -> None:
    customer_id = prepare(signed_in)
    bot = connect_wechat(customer_id, ilink)
    page.goto(frontend_url + CHANNELS_PATH)

    card = page.get_by_role("main").locator(".rt-Card").filter(has_text="Personal WeChat")
    expect(card.get_by_role("heading", name="Personal WeChat")).to_be_visible()
    expect(card.get_by_text("Connected", exact=True)).to_be_visible()
    expect(card).to_contain_text(bot.ilink_bot_id)
    expect(card).to_contain_text("reach your agent, and its replies go back")
    expect(card.get_by_text("No messages yet")).to_be_visible()
    expect(card.get_by_role("link", name="Manage")).to_have_attribute("href", WECHAT_PERSONAL_PATH)
    expect(card).not_to_contain_text(bot.bot_token)

    ilink.expire_session(bot)

    expect(card.get_by_text("Needs a new login")).to_be_visible(timeout=LIVE_MS)
    expect(card).to_contain_text("WeChat ended the session")
    expect(card.get_by_role("link", name="Reconnect")).to_have_attribute(
        "href", WECHAT_PERSONAL_PATH
    )


def test_lapsed_access_is_the_next_step_of_every_channel(
    page: Page, frontend_url: str, signed_in: Person, ilink: FakeILink
) -> None:
    customer_id = prepare(signed_in, age=LAPSED)
    connect_wechat(customer_id, ilink)
    page.goto(frontend_url + CHANNELS_PATH)

    main = page.get_by_role("main")
    expect(
        main.get_by_text("Your access has lapsed. Renew it so your agent answers again.")
    ).to_be_visible()
    expect(main.get_by_role("link", name="Renew access")).to_have_attribute(
        "href", SUBSCRIPTION_PATH
    )
    expect(main.get_by_role("link", name="Open channel")).to_have_attribute(
        "href", WECHAT_PERSONAL_PATH
    )


def test_the_trial_says_when_it_ends_and_offers_30_more_days(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + SUBSCRIPTION_PATH)

    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    expect(main.get_by_text("Free trial", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile(r"^Your free trial ends on .+ UTC\.$"))).to_be_visible()
    expect(page.get_by_role("button", name="Renew for 30 days")).to_be_visible()
    expect(main.get_by_text("No payments yet.")).to_be_visible()


def test_a_paid_pass_and_the_payment_history_a_page_at_a_time(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    customer_id = prepare(signed_in, age=timedelta(days=700))
    add_passes(customer_id, 22, unknown_amount=0)
    page.goto(frontend_url + SUBSCRIPTION_PATH)

    main = page.get_by_role("main")
    expect(main.get_by_text("Paid access", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile(r"^Your paid access runs until .+ UTC\.$"))).to_be_visible()
    rows = main.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("$9.00")
    expect(main.get_by_role("status").filter(has_text="of 22")).to_have_text("1–20 of 22")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()

    page.get_by_role("button", name="Next").click()

    expect(main.get_by_role("status").filter(has_text="of 22")).to_have_text("21–22 of 22")
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text("—")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()


def test_a_lapsed_customer_pays_through_checkout_and_the_payment_shows_live(
    page: Page, frontend_url: str, api_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    customer_id = prepare(signed_in, age=LAPSED)
    page.goto(frontend_url + SUBSCRIPTION_PATH)
    main = page.get_by_role("main")
    expect(main.get_by_text("Lapsed", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile(r"^Your access ended on .+ UTC\."))).to_be_visible()

    page.get_by_role("button", name="Buy 30 days").click()

    expect(page).to_have_url(frontend_url + SUBSCRIPTION_PATH + "?checkout=success")
    expect(page.get_by_role("status").filter(has_text="your payment went through")).to_be_visible()
    [form] = stripe.checkout_forms()
    assert form["client_reference_id"] == customer_id
    assert form["success_url"].endswith(SUBSCRIPTION_PATH + "?checkout=success")
    assert form["cancel_url"].endswith(SUBSCRIPTION_PATH + "?checkout=cancelled")
    delivered = stripe.deliver(
        api_url + "/api/webhooks/stripe", stripe.completed_event(stripe.last_session()["id"])
    )
    assert delivered.json()["data"]["outcome"] == "credited"

    expect(main.get_by_text("Paid access", exact=True)).to_be_visible(timeout=LIVE_MS)
    rows = main.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("$9.00")
    expect(page.get_by_role("button", name="Renew for 30 days")).to_be_visible()


def test_a_cancelled_checkout_comes_back_here_and_says_nothing_was_charged(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + SUBSCRIPTION_PATH + "?checkout=cancelled")
    expect(page.get_by_role("status").filter(has_text="Checkout was cancelled")).to_be_visible()


def test_a_suspended_customer_can_buy_nothing(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    suspend(prepare(signed_in))
    page.goto(frontend_url + SUBSCRIPTION_PATH)

    main = page.get_by_role("main")
    expect(main.get_by_text("Suspended", exact=True)).to_be_visible()
    expect(
        main.get_by_text("This account is suspended, so your agent does not answer messages.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Buy 30 days")).to_have_count(0)
    expect(page.get_by_role("button", name="Renew for 30 days")).to_have_count(0)

    page.goto(frontend_url + CHANNELS_PATH)
    expect(main.get_by_text("This account is suspended.")).to_be_visible()
    expect(main.get_by_role("link", name="Connect personal WeChat")).to_have_count(0)


@pytest.mark.parametrize("route", [CHANNELS_PATH, SUBSCRIPTION_PATH])
def test_a_signed_out_visitor_signs_in_first(page: Page, frontend_url: str, route: str) -> None:
    page.goto(frontend_url + route)
    expect(page).to_have_url(re.compile(re.escape(frontend_url + "/auth/login?next=")))


def test_the_channel_index_in_chinese(
    chinese_page: Page, frontend_url: str, signed_in: Person, ilink: FakeILink
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    page.goto(frontend_url + CHANNELS_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("渠道")
    expect(main.get_by_text("连接微信前，请先验证邮箱。")).to_be_visible()
    expect(main.get_by_role("link", name="验证邮箱")).to_be_visible()
    in_both_languages(page, "channels-verify-first")

    customer_id = prepare(signed_in)
    page.reload()
    expect(main.get_by_role("heading", name="还没有渠道")).to_be_visible()
    expect(main.get_by_role("link", name="连接个人微信")).to_be_visible()
    in_both_languages(page, "channels-empty")

    connect_wechat(customer_id, ilink)
    expect(main.get_by_text("已连接", exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(main.get_by_role("link", name="管理")).to_be_visible()
    in_both_languages(page, "channels-connected")

    prepare(signed_in, age=LAPSED)
    page.reload()
    expect(main.get_by_text("你的使用权限已到期，续费后智能体即可恢复回复。")).to_be_visible()
    expect(main.get_by_role("link", name="续费")).to_be_visible()
    in_both_languages(page, "channels-lapsed")


def test_the_subscription_in_chinese(
    chinese_page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    customer_id = prepare(signed_in)
    page.goto(frontend_url + SUBSCRIPTION_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("订阅")
    expect(main.get_by_text("免费试用", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile(r"^你的免费试用将于 .+ UTC 结束。$"))).to_be_visible()
    expect(main.get_by_text("还没有付款记录。")).to_be_visible()
    in_both_languages(page, "subscription-trial")

    prepare(signed_in, age=timedelta(days=700))
    add_passes(customer_id, 22, unknown_amount=0)
    page.reload()
    expect(main.get_by_text("付费使用中", exact=True)).to_be_visible()
    expect(main.get_by_role("status").filter(has_text="共 22 条")).to_have_text(
        "第 1–20 条，共 22 条"
    )
    expect(main.get_by_role("table").locator("tbody tr").first).to_contain_text("$9.00")
    in_both_languages(page, "subscription-paid")

    page.goto(frontend_url + SUBSCRIPTION_PATH + "?checkout=success")
    expect(
        main.get_by_text("感谢付款，支付已成功。Stripe 确认后（通常只需几秒）就会显示在这里。")
    ).to_be_visible()
    in_both_languages(page, "subscription-back-from-checkout")


def test_lapsed_and_suspended_subscriptions_in_chinese(
    chinese_page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    page = chinese_page
    main = page.get_by_role("main")
    customer_id = prepare(signed_in, age=LAPSED)
    page.goto(frontend_url + SUBSCRIPTION_PATH)
    expect(main.get_by_text("已到期", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="购买 30 天使用期")).to_be_visible()
    in_both_languages(page, "subscription-lapsed")

    suspend(customer_id)
    page.reload()
    expect(main.get_by_text("已停用", exact=True)).to_be_visible()
    in_both_languages(page, "subscription-suspended")
