"""Buying access on `/account` in a real browser, with Stripe faked by a local server: a
customer whose trial has ended pays through the fake Checkout, Stripe's signed webhook arrives,
and the page shows the new expiry."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Person, prepare
from tests.fakes.stripe import FakeStripe

pytestmark = pytest.mark.browser


def english_time(moment: datetime) -> str:
    """A UTC moment as an English page writes it: "June 3, 2026 at 14:05 UTC"."""
    return f"{moment:%B} {moment.day}, {moment.year} at {moment:%H:%M} UTC"


def access_expiry(customer_id: str) -> str:
    """When the customer's access ends, as the page writes it."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.billing.access import access_expires_at
    from clawscale.models import Customer

    with session_scope(get_engine()) as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        return english_time(access_expires_at(db, customer))


def test_a_customer_whose_trial_ended_buys_30_days(
    page: Page, frontend_url: str, api_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    customer_id = prepare(signed_in, age=timedelta(days=31))
    page.goto(frontend_url + "/account")
    main = page.get_by_role("main")
    expect(main).to_contain_text("StatusExpired")
    expect(main).to_contain_text("Free trial ended")

    page.get_by_role("button", name="Buy 30 days").click()

    expect(page).to_have_url(frontend_url + "/account?checkout=success")
    expect(page.get_by_role("status").filter(has_text="your payment went through")).to_be_visible()
    [form] = stripe.checkout_forms()
    assert form["client_reference_id"] == customer_id
    assert form["customer_email"] == signed_in.email
    delivered = stripe.deliver(
        api_url + "/api/webhooks/stripe", stripe.completed_event(stripe.last_session()["id"])
    )
    assert delivered.status_code == 200
    assert delivered.json()["data"]["outcome"] == "credited"

    page.reload()

    expect(main).to_contain_text("StatusActive")
    expect(main).to_contain_text(f"Until{access_expiry(customer_id)}")
    expect(page.get_by_role("button", name="Renew for 30 days")).to_be_visible()


def test_a_cancelled_checkout_says_nothing_was_charged(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    prepare(signed_in)
    page.goto(frontend_url + "/account?checkout=cancelled")
    expect(page.get_by_role("status").filter(has_text="Checkout was cancelled")).to_be_visible()
    expect(page.get_by_role("button", name="Renew for 30 days")).to_be_visible()


def test_an_unverified_customer_is_asked_to_verify_before_buying(
    page: Page, frontend_url: str, signed_in: Person, stripe: FakeStripe
) -> None:
    page.goto(frontend_url + "/account")
    expect(page.get_by_text("Verify your email address to buy access.")).to_be_visible()
    expect(page.get_by_role("button", name="Buy 30 days")).to_have_count(0)
    expect(page.get_by_role("button", name="Renew for 30 days")).to_have_count(0)


@pytest.mark.usefixtures("without_payments")
def test_without_stripe_keys_the_page_says_payments_are_not_configured(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    prepare(signed_in, age=timedelta(days=40))
    page.goto(frontend_url + "/account")
    expect(page.get_by_text("Payments are not configured")).to_be_visible()
    expect(page.get_by_role("button", name="Buy 30 days")).to_have_count(0)
