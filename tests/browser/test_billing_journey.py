"""The whole billing journey in a real browser, against the real app and its own workers, with
iLink, the agent runtime and Stripe faked by local HTTP servers.

A customer connected their WeChat during the trial; the trial has ended. A message to their
WeChat account arrives through the app's poller and is held (stored, not forwarded; the
customer is told how to renew), then WeChat ends the session. The customer signs in, and
reconnecting is refused until they pay; they buy 30 days from `/account` through the fake
Checkout, Stripe's signed webhook arrives (twice, as Stripe may deliver it), `/account` shows
access until 30 days from now, the held message reaches the runtime once, and WeChat connects
again and carries new messages.
"""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from clawscale.web_links import WECHAT_PERSONAL_PATH
from tests.browser.conftest import PASSWORD, Person, prepare, sign_in, wait_for, warm_up
from tests.browser.test_billing_pages import english_time
from tests.fakes.ilink import Bot, FakeILink
from tests.fakes.runtime import FakeRuntime
from tests.fakes.stripe import FakeStripe

pytestmark = pytest.mark.browser

TRIAL_OVER = timedelta(days=31)
PASS_LENGTH = timedelta(days=30)
HELD_TEXT = "Are you there? I wrote while my access had lapsed."
LATER_TEXT = "And this one after paying."
RENEWAL_TEXT = "Your access has ended. Renew for 30 days here: "
RENEWAL_LINK = "/api/public/subscription-checkout?token="
LAPSED = "Your access has lapsed. Renew it to connect WeChat."
HELD_FOR_PAYMENT = "access:subscription_required"
FLOW_MS = 30_000


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The journey's pages, built once before it starts."""
    warm_up(browser, frontend_url, ("/auth/login", WECHAT_PERSONAL_PATH, "/account"))


def connected_during_trial(customer_id: str, ilink: FakeILink, bot: Bot) -> None:
    """The customer's personal WeChat channel, logged in as `bot` (as a QR login during the
    trial left it)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Customer
    from clawscale.settings import get_settings
    from tests.channels.wechat import connected_channel

    with session_scope(get_engine()) as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        connected_channel(db, customer, ilink, bot, settings=get_settings())


def inbound_events(customer_id: str) -> list[tuple[str, str, str | None]]:
    """The text, status and last error of each message stored for the customer, oldest first."""
    from sqlmodel import col, select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import InboundEvent

    with session_scope(get_engine()) as db:
        events = db.exec(
            select(InboundEvent)
            .where(InboundEvent.customer_id == customer_id)
            .order_by(col(InboundEvent.created_at), col(InboundEvent.id))
        ).all()
        return [(str(event.payload["text"]), event.status, event.last_error) for event in events]


def channel_status(customer_id: str) -> str:
    """The status of the customer's personal WeChat channel."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.wechat_personal import channel_view
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        return channel_view(db, get_settings(), customer_id).status


def expiry_between(earliest: datetime, latest: datetime) -> re.Pattern[str]:
    """The page's "Until <time>" for any minute from `earliest` to `latest`."""
    minutes = {english_time(earliest), english_time(latest)}
    return re.compile("Until(" + "|".join(re.escape(minute) for minute in minutes) + ")")


def test_a_lapsed_customer_pays_and_their_held_message_goes_through(
    page: Page,
    frontend_url: str,
    api_url: str,
    customer: Person,
    ilink: FakeILink,
    runtime: FakeRuntime,
    stripe: FakeStripe,
) -> None:
    from clawscale.models.base import utcnow

    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    customer_id = prepare(customer, age=TRIAL_OVER)
    bot = ilink.add_bot("grace-bot@im.bot")
    connected_during_trial(customer_id, ilink, bot)

    ilink.inject(bot, HELD_TEXT)
    wait_for(lambda: inbound_events(customer_id) == [(HELD_TEXT, "parked", HELD_FOR_PAYMENT)])
    wait_for(lambda: ilink.sent)
    [renewal] = ilink.sent_texts()
    assert renewal.startswith(RENEWAL_TEXT) and RENEWAL_LINK in renewal
    assert runtime.texts() == []
    ilink.expire_session(bot)
    wait_for(lambda: channel_status(customer_id) == "error")

    page.goto(frontend_url + WECHAT_PERSONAL_PATH)
    expect(page).to_have_url(re.compile(re.escape(frontend_url + "/auth/login?next=")))
    sign_in(page, customer.email, PASSWORD)
    expect(page).to_have_url(frontend_url + WECHAT_PERSONAL_PATH, timeout=FLOW_MS)
    main = page.get_by_role("main")
    qr = page.get_by_role("img", name="QR code to scan with WeChat")
    expect(main.get_by_text("Needs a new login")).to_be_visible()
    page.get_by_role("button", name="Connect WeChat").click()
    expect(page.get_by_role("alert").filter(has_text=LAPSED)).to_be_visible()
    expect(qr).to_have_count(0)
    assert ilink.logins == {}

    page.get_by_role("link", name="Renew access").click()
    expect(page).to_have_url(frontend_url + "/account")
    expect(main).to_contain_text("StatusExpired")
    page.get_by_role("button", name="Buy 30 days").click()
    expect(page).to_have_url(frontend_url + "/account?checkout=success", timeout=FLOW_MS)
    session = stripe.last_session()
    assert len(stripe.server.requests_to(f"/c/pay/{session['id']}")) == 1
    assert session["client_reference_id"] == customer_id
    assert runtime.texts() == []

    paid_from = utcnow()
    event = stripe.completed_event(session["id"])
    delivered = stripe.deliver(api_url + "/api/webhooks/stripe", event)
    paid_by = utcnow()
    assert delivered.status_code == 200
    assert delivered.json()["data"]["outcome"] == "credited"
    redelivered = stripe.deliver(api_url + "/api/webhooks/stripe", event)
    assert redelivered.status_code == 200
    assert redelivered.json()["data"]["outcome"] == "duplicate"

    page.reload()
    expect(main).to_contain_text("StatusActive")
    expect(main).to_contain_text(expiry_between(paid_from + PASS_LENGTH, paid_by + PASS_LENGTH))
    expect(page.get_by_role("button", name="Renew for 30 days")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    wait_for(lambda: runtime.texts() == [HELD_TEXT])

    page.goto(frontend_url + WECHAT_PERSONAL_PATH)
    expect(main.get_by_text("Needs a new login")).to_be_visible()
    page.get_by_role("button", name="Connect WeChat").click()
    expect(qr).to_be_visible(timeout=FLOW_MS)
    expect(page.get_by_role("link", name="Renew access")).to_have_count(0)
    ilink.scan()
    scanned = main.get_by_text("Scanned — confirm the login in WeChat on your phone.")
    expect(scanned).to_be_visible(timeout=FLOW_MS)
    ilink.confirm(ilink_bot_id=bot.ilink_bot_id, ilink_user_id="wxid_grace")
    expect(main.get_by_text("Connected", exact=True)).to_be_visible(timeout=FLOW_MS)

    ilink.inject(bot, LATER_TEXT)
    wait_for(lambda: runtime.texts() == [HELD_TEXT, LATER_TEXT])
    wait_for(lambda: [row[1] for row in inbound_events(customer_id)] == ["forwarded"] * 2)
    assert page_errors == []
