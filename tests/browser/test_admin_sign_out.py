"""Signing out of the console clears the tab: a reload of the same tab receives none of the
console's data over the websocket (customer emails, delivery payloads, the admin's email)."""

import secrets

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.browser.conftest import AdminLogin, warm_up
from tests.browser.test_admin_pages import sign_in
from tests.processes import wait_until

pytestmark = pytest.mark.browser

ROUTES = ("/admin/login", "/admin/customers", "/admin/deliveries")


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the test (see `warm_up`)."""
    warm_up(browser, frontend_url, ROUTES)


def seed_customer_with_delivery(tag: str) -> tuple[str, str, str]:
    """A customer with an owner's email, a channel and one delivery; (customer id, the
    owner's email, the delivery's text)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import (
        Channel,
        ChannelStatus,
        ClaimStatus,
        Customer,
        DeliveryStatus,
        Identity,
        Membership,
        OutboundDelivery,
    )

    email = f"private-{tag}@example.com"
    text = f"private payload {tag}"
    with session_scope(get_engine()) as db:
        customer = Customer(display_name=f"Sign-out customer {tag}")
        identity = Identity(email=email, claim_status=ClaimStatus.ACTIVE)
        db.add_all([customer, identity])
        db.flush()
        db.add(Membership(identity_id=identity.id, customer_id=customer.id))
        channel = Channel(
            kind="telegram",
            owner_customer_id=customer.id,
            name=f"Sign-out bot {tag}",
            status=ChannelStatus.CONNECTED,
        )
        db.add(channel)
        db.flush()
        db.add(
            OutboundDelivery(
                idempotency_key=f"sign-out-{tag}",
                payload={"text": text},
                payload_hash="h",
                customer_id=customer.id,
                business_conversation_key="conv",
                channel_id=channel.id,
                target="end-user-1",
                status=DeliveryStatus.DEAD,
            )
        )
        return customer.id, email, text


def record_frames(page: Page) -> list[str]:
    """Every websocket frame the page receives from now on, as text, in order."""
    frames: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", watch)
    return frames


def test_a_reload_after_signing_out_receives_none_of_the_console_s_data(
    page: Page, frontend_url: str, admin: AdminLogin
) -> None:
    customer_id, email, text = seed_customer_with_delivery(secrets.token_hex(3))
    frames = record_frames(page)
    page.goto(frontend_url + "/admin/customers")
    sign_in(page, admin.email, admin.password)
    page.get_by_label("Search").fill(email)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(f'tr[data-customer="{customer_id}"]')).to_be_visible()
    page.goto(frontend_url + "/admin/deliveries")
    page.get_by_label("Customer id").fill(customer_id)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tr[data-delivery]")).to_have_count(1)
    secrets_shown = (email, text, admin.email)
    for secret in secrets_shown:
        assert any(secret in frame for frame in frames), f"{secret} never reached the tab"

    frames.clear()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(frontend_url + "/admin/login")
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_until(lambda: any("signed_in" in frame for frame in frames), what="the tab's state")

    for secret in secrets_shown:
        leaked = [frame for frame in frames if secret in frame]
        assert not leaked, f"{secret} reached the tab after signing out: {leaked[0][:300]}"
