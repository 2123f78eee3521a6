"""Buying access on `/account` in a real browser, with Stripe faked by a local server: a
customer whose trial has ended pays through the fake Checkout, Stripe's signed webhook arrives,
and the page shows the new expiry."""

import os
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Person, RunningApp, restored_environment
from tests.fakes.stripe import FakeStripe, fake_stripe

pytestmark = pytest.mark.browser

STRIPE_ENVIRONMENT = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_ID",
    "STRIPE_API_BASE_URL",
)


def _reload_settings() -> None:
    from clawscale.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture
def stripe(running_app: RunningApp) -> Iterator[FakeStripe]:
    """The running app sells passes through a fake Stripe for this test."""
    with fake_stripe() as fake, restored_environment(STRIPE_ENVIRONMENT):
        os.environ.update(
            STRIPE_SECRET_KEY=fake.api_key,
            STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
            STRIPE_PRICE_ID="price_browser_30_days",
            STRIPE_API_BASE_URL=fake.url,
        )
        _reload_settings()
        yield fake
    _reload_settings()


def prepare(person: Person, *, verified: bool = True, age: timedelta = timedelta(0)) -> str:
    """Verify the person's email and age their customer; the customer id."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.customer_accounts import account_of
    from clawscale.models import ClaimStatus, Identity
    from clawscale.models.base import utcnow

    with session_scope(get_engine()) as db:
        identity = db.exec(select(Identity).where(Identity.email == person.email)).one()
        if verified:
            identity.email_verified_at = utcnow()
            identity.claim_status = ClaimStatus.ACTIVE
        customer = account_of(db, identity).customer
        customer.created_at = utcnow() - age
        db.add_all([identity, customer])
        return customer.id


def access_expiry(customer_id: str) -> str:
    """When the customer's access ends, as the page writes it."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.access import access_expires_at
    from clawscale.models import Customer
    from clawscale.state.formatting import readable_time

    with session_scope(get_engine()) as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        return readable_time(access_expires_at(db, customer))


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
    body, headers = stripe.signed(stripe.completed_event(stripe.last_session()["id"]))
    delivered = httpx.post(api_url + "/api/webhooks/stripe", content=body, headers=headers)
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


def test_without_stripe_keys_the_page_says_payments_are_not_configured(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    prepare(signed_in, age=timedelta(days=40))
    page.goto(frontend_url + "/account")
    expect(page.get_by_text("Payments are not configured")).to_be_visible()
    expect(page.get_by_role("button", name="Buy 30 days")).to_have_count(0)
