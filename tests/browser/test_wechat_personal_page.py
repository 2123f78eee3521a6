"""The personal WeChat page in a real browser, end to end: sign in, create, connect, the fake
iLink confirms the scan, the page shows the account; a message sent to that WeChat account
reaches the (fake) agent runtime through the backend's own workers, and the runtime's reply goes
back through iLink's `sendmessage` with the message's `context_token`. Then disconnect and
delete, each after a confirmation."""

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Person, prepare, wait_for
from tests.fakes.ilink import FakeILink
from tests.fakes.runtime import FakeRuntime

pytestmark = pytest.mark.browser

ROUTE = "/channels/wechat-personal"


def confirm_in_dialog(page: Page, button: str) -> None:
    """Click `button`, then confirm in the dialog it opens."""
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=f"Yes, {button.lower()}").click()
    expect(dialog).not_to_be_visible()


def test_connect_receive_reply_disconnect_and_delete(
    page: Page,
    frontend_url: str,
    signed_in: Person,
    ilink: FakeILink,
    runtime: FakeRuntime,
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + ROUTE)
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal WeChat")
    expect(main.get_by_text("Not set up")).to_be_visible()

    page.get_by_role("button", name="Create channel").click()
    expect(main.get_by_text("Waiting for login")).to_be_visible()
    page.get_by_role("button", name="Connect WeChat").click()

    qr = page.get_by_role("img", name="QR code to scan with WeChat")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    expect(main.get_by_text("Scan this code with WeChat on your phone.")).to_be_visible()
    expect(main.get_by_role("link", name="Open the login link")).to_have_attribute(
        "href", ilink.last_qrcode().content
    )

    ilink.scan()
    expect(main.get_by_text("Scanned — confirm the login in WeChat on your phone.")).to_be_visible()
    bot = ilink.confirm(ilink_bot_id="grace-bot@im.bot", ilink_user_id="wxid_grace")
    expect(main.get_by_text("Connected", exact=True)).to_be_visible()
    expect(main).to_contain_text("grace-bot@im.bot")
    expect(main).to_contain_text("wxid_grace")
    expect(qr).not_to_be_visible()
    expect(main).not_to_contain_text(bot.bot_token)

    runtime.replies.append({"reply": "Hello from your agent"})
    message = ilink.inject(bot, "Hi agent, are you there?")
    wait_for(lambda: runtime.texts() == ["Hi agent, are you there?"])
    wait_for(lambda: ilink.sent)
    [sent] = ilink.sent
    assert sent["msg"]["to_user_id"] == "wxid_peer"
    assert sent["msg"]["context_token"] == message["context_token"]
    assert ilink.sent_texts() == ["Hello from your agent"]
    assert ilink.header_problems == []

    page.reload()
    expect(main.get_by_text("Connected", exact=True)).to_be_visible()
    expect(main).to_contain_text("UTC")

    confirm_in_dialog(page, "Disconnect")
    expect(main.get_by_text("Disconnected", exact=True)).to_be_visible()
    polls = len(ilink.server.requests_to("/ilink/bot/getupdates"))
    time.sleep(3)
    assert len(ilink.server.requests_to("/ilink/bot/getupdates")) <= polls + 1

    confirm_in_dialog(page, "Delete")
    expect(main.get_by_text("Not set up")).to_be_visible()
    expect(page.get_by_role("button", name="Create channel")).to_be_visible()


def test_an_expired_code_offers_a_new_one(
    page: Page, frontend_url: str, signed_in: Person, ilink: FakeILink
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + ROUTE)
    page.get_by_role("button", name="Create channel").click()
    page.get_by_role("button", name="Connect WeChat").click()
    expect(page.get_by_role("img", name="QR code to scan with WeChat")).to_be_visible()
    first = ilink.last_qrcode()
    ilink.expire()
    main = page.get_by_role("main")
    expect(main.get_by_role("button", name="Get a new code")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan with WeChat")).not_to_be_visible()
    page.get_by_role("button", name="Get a new code").click()
    expect(page.get_by_role("img", name="QR code to scan with WeChat")).to_be_visible()
    assert ilink.last_qrcode().qrcode != first.qrcode


def test_an_unverified_customer_is_asked_to_verify_first(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    page.goto(frontend_url + ROUTE)
    expect(page.get_by_text("Verify your email address before connecting WeChat.")).to_be_visible()
    expect(page.get_by_role("button", name="Create channel")).to_have_count(0)


def test_a_signed_out_visitor_signs_in_first(page: Page, frontend_url: str) -> None:
    page.goto(frontend_url + ROUTE)
    expect(page).to_have_url(frontend_url + "/auth/login?next=%2Fchannels%2Fwechat-personal")
