"""`/api/customer/subscription` and the public renewal link over real HTTP on both databases,
with Stripe faked by a local server the `stripe` SDK is pointed at."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from sqlmodel import Session

from clawscale.domain.accounts.sessions import issue_session
from clawscale.domain.billing.access import TRIAL_LENGTH
from clawscale.domain.billing.links import public_checkout_token, renewal_link
from clawscale.models import (
    AccessPass,
    ClaimStatus,
    Customer,
    Identity,
    Membership,
    SessionSubject,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from tests.fakes.stripe import FakeStripe, fake_stripe

PRICE_ID = "price_test_30_days"
DOMAIN_CLIENT = "http://app.example.test"


@dataclass(frozen=True)
class Made:
    """A customer account made for a test, with a live session token."""

    customer: Customer
    identity: Identity
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(
    session: Session,
    settings: Settings,
    *,
    email: str | None = "ada@example.com",
    verified: bool = True,
    age: timedelta = timedelta(0),
    suspended: bool = False,
) -> Made:
    """A personal customer with one owner identity, created `age` ago, and a session."""
    now = utcnow()
    identity = Identity(
        email=email,
        display_name="Ada",
        claim_status=ClaimStatus.ACTIVE if verified else ClaimStatus.PENDING,
        email_verified_at=now if verified else None,
    )
    customer = Customer(display_name="Ada", created_at=now - age, suspended=suspended)
    session.add_all([identity, customer])
    session.flush()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    issued = issue_session(
        session, SessionSubject.CUSTOMER, identity.id, settings.CUSTOMER_JWT_SECRET
    )
    session.commit()
    return Made(customer, identity, issued.token)


def stripe_settings(fake: FakeStripe, api_url: str) -> dict[str, object]:
    """The settings that point the gateway at the fake Stripe."""
    return {
        "STRIPE_SECRET_KEY": fake.api_key,
        "STRIPE_WEBHOOK_SECRET": fake.webhook_secret,
        "STRIPE_PRICE_ID": PRICE_ID,
        "STRIPE_API_BASE_URL": fake.url,
        "DOMAIN_CLIENT": DOMAIN_CLIENT,
        "CLAWSCALE_PUBLIC_API_URL": api_url,
    }


@pytest.fixture
def stripe_fake():
    with fake_stripe() as fake:
        yield fake


@pytest.fixture
def settings(use_settings, stripe_fake, api_url) -> Settings:
    """The API runs with Stripe configured and pointed at the fake."""
    return use_settings(**stripe_settings(stripe_fake, api_url))


def decision(client: httpx.Client, made: Made) -> dict:
    response = client.get("/api/customer/subscription", headers=made.headers)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    return response.json()["data"]


def test_subscription_needs_a_customer_session(client, settings):
    response = client.get("/api/customer/subscription")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "unauthorized"}
    assert client.post("/api/customer/subscription/checkout").status_code == 401


def test_a_new_verified_customer_is_in_the_trial(client, session, settings):
    made = make_account(session, settings)
    data = decision(client, made)
    trial_end = (made.customer.created_at + TRIAL_LENGTH).isoformat().replace("+00:00", "Z")
    assert data == {
        "allowed": True,
        "reason": None,
        "expires_at": trial_end,
        "trial_ends_at": trial_end,
        "payments_configured": True,
    }


@pytest.mark.parametrize(
    ("suspended", "verified", "age_days", "reason"),
    [
        (True, False, 40, "account_suspended"),
        (True, True, 0, "account_suspended"),
        (False, False, 40, "email_not_verified"),
        (False, False, 0, "email_not_verified"),
        (False, True, 31, "subscription_required"),
    ],
)
def test_the_decision_gives_the_first_reason_in_the_contract_order(
    client, session, settings, suspended, verified, age_days, reason
):
    made = make_account(
        session, settings, suspended=suspended, verified=verified, age=timedelta(days=age_days)
    )
    data = decision(client, made)
    assert data["allowed"] is False
    assert data["reason"] == reason


def test_a_paid_pass_allows_a_customer_whose_trial_ended(client, session, settings):
    made = make_account(session, settings, age=timedelta(days=45))
    expires = utcnow() + timedelta(days=15)
    session.add(
        AccessPass(
            customer_id=made.customer.id,
            stripe_checkout_session_id="cs_test_earlier",
            starts_at=expires - timedelta(days=30),
            expires_at=expires,
        )
    )
    session.commit()
    data = decision(client, made)
    assert data["allowed"] is True
    assert data["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))


def test_without_stripe_keys_access_is_not_gated(client, session, use_settings):
    settings = use_settings(STRIPE_SECRET_KEY="", STRIPE_PRICE_ID="")
    made = make_account(session, settings, age=timedelta(days=90))
    data = decision(client, made)
    assert data["allowed"] is True
    assert data["reason"] is None
    assert data["payments_configured"] is False
    checkout = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert checkout.status_code == 503
    assert checkout.json()["error"] == "payments_not_configured"


def test_checkout_makes_a_stripe_session_for_one_pass(client, session, settings, stripe_fake):
    made = make_account(session, settings, age=timedelta(days=31))
    response = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert response.status_code == 200
    url = response.json()["data"]["url"]
    stripe_session = stripe_fake.last_session()
    assert url == stripe_session["url"]
    assert url.startswith(f"{stripe_fake.url}/c/pay/cs_test_")

    [request] = stripe_fake.checkout_requests()
    assert request.headers["authorization"] == f"Bearer {stripe_fake.api_key}"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    [form] = stripe_fake.checkout_forms()
    assert form["mode"] == "payment"
    assert form["line_items"] == {"0": {"price": PRICE_ID, "quantity": "1"}}
    assert form["client_reference_id"] == made.customer.id
    assert form["metadata"] == {"customer_id": made.customer.id}
    assert form["customer_email"] == "ada@example.com"
    assert form["success_url"] == f"{DOMAIN_CLIENT}/account?checkout=success"
    assert form["cancel_url"] == f"{DOMAIN_CLIENT}/account?checkout=cancelled"
    assert stripe_fake.api_key not in response.text

    paid = httpx.get(url, follow_redirects=False)
    assert paid.status_code == 302
    assert paid.headers["location"] == f"{DOMAIN_CLIENT}/account?checkout=success"


def test_checkout_needs_a_verified_email(client, session, settings, stripe_fake):
    made = make_account(session, settings, verified=False)
    response = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "email_not_verified"
    assert stripe_fake.checkout_requests() == []


def test_a_suspended_customer_cannot_check_out(client, session, settings, stripe_fake):
    made = make_account(session, settings, suspended=True)
    response = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "account_suspended"
    assert stripe_fake.checkout_requests() == []


def test_a_failing_stripe_answers_502(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    stripe_fake.fail_with(500)
    response = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert response.status_code == 502
    assert response.json()["error"] == "payment_provider_error"
    assert "Traceback" not in response.text


def test_an_unreachable_or_refusing_stripe_answers_502(client, session, use_settings, api_url):
    with fake_stripe(api_key="sk_test_other_key") as refusing:
        values = {**stripe_settings(refusing, api_url), "STRIPE_SECRET_KEY": "sk_test_wrong"}
        settings = use_settings(**values)
        made = make_account(session, settings)
        refused = client.post("/api/customer/subscription/checkout", headers=made.headers)
        unreachable_url = refusing.url
    assert refused.status_code == 502
    assert "sk_test_wrong" not in refused.text
    use_settings(**{**values, "STRIPE_API_BASE_URL": unreachable_url})
    unreachable = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert unreachable.status_code == 502
    assert unreachable.json()["error"] == "payment_provider_error"


def test_a_renewal_link_redirects_to_checkout_without_signing_in(
    client, session, settings, stripe_fake, api_url
):
    made = make_account(session, settings, email=None, verified=False, age=timedelta(days=40))
    link = renewal_link(settings, made.customer.id)
    assert link.startswith(f"{api_url}/api/public/subscription-checkout?token=")
    client.cookies.clear()

    response = client.get(link, follow_redirects=False)

    assert response.status_code == 302
    assert response.headers["location"] == stripe_fake.last_session()["url"]
    [form] = stripe_fake.checkout_forms()
    assert form["client_reference_id"] == made.customer.id
    assert form["mode"] == "payment"
    assert "customer_email" not in form
    assert form["success_url"] == f"{api_url}/api/public/subscription-checkout/success"
    landing = httpx.get(response.headers["location"], follow_redirects=True)
    assert landing.status_code == 200
    assert "Thank you" in landing.text
    cancelled = client.get("/api/public/subscription-checkout/cancelled")
    assert "You have not been charged" in cancelled.text


def token_with(settings: Settings, customer_id: str, **claims: object) -> str:
    now = utcnow()
    values = {
        "sub": customer_id,
        "purpose": "public_checkout",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=24)).timestamp()),
        **claims,
    }
    return jwt.encode(values, settings.CUSTOMER_JWT_SECRET, algorithm="HS256")


def bad_tokens(settings: Settings, made: Made) -> dict[str, str]:
    expired_at = utcnow() - timedelta(hours=24, seconds=5)
    return {
        "missing": "",
        "garbage": "not-a-token",
        "expired": public_checkout_token(settings, made.customer.id, now=expired_at),
        "wrong purpose": token_with(settings, made.customer.id, purpose="claim"),
        "unknown customer": token_with(settings, "ck_nobody"),
        "other secret": jwt.encode(
            {"sub": made.customer.id, "purpose": "public_checkout", "exp": 2**31}, "x" * 32
        ),
        "session token": made.token,
    }


def test_bad_or_expired_renewal_links_get_a_friendly_page(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    for name, token in bad_tokens(settings, made).items():
        response = client.get(
            "/api/public/subscription-checkout", params={"token": token}, follow_redirects=False
        )
        assert response.status_code == 400, name
        assert response.headers["content-type"].startswith("text/html"), name
        assert "This link has expired" in response.text, name
        assert "get a fresh link" in response.text, name
        assert f"{DOMAIN_CLIENT}/account" in response.text, name
    assert stripe_fake.checkout_requests() == []


def test_a_renewal_link_of_a_suspended_account_explains_itself(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings, suspended=True)
    response = client.get(renewal_link(settings, made.customer.id), follow_redirects=False)
    assert response.status_code == 403
    assert "suspended" in response.text
    assert stripe_fake.checkout_requests() == []


def test_renewal_links_answer_in_html_when_payments_fail(
    client, session, settings, stripe_fake, use_settings
):
    made = make_account(session, settings)
    stripe_fake.fail_with(503)
    failing = client.get(renewal_link(settings, made.customer.id), follow_redirects=False)
    assert failing.status_code == 502
    assert failing.headers["content-type"].startswith("text/html")
    use_settings(STRIPE_SECRET_KEY="", CLAWSCALE_PUBLIC_API_URL=settings.CLAWSCALE_PUBLIC_API_URL)
    unconfigured = client.get(renewal_link(settings, made.customer.id), follow_redirects=False)
    assert unconfigured.status_code == 503
    assert "not configured" in unconfigured.text


def test_renewal_tokens_last_24_hours(settings):
    token = public_checkout_token(settings, "ck_someone")
    claims = jwt.decode(token, settings.CUSTOMER_JWT_SECRET, algorithms=["HS256"])
    assert claims["purpose"] == "public_checkout"
    assert claims["sub"] == "ck_someone"
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert parse_qs(urlparse(renewal_link(settings, "ck_x")).query)["token"]


def test_renewal_tokens_of_one_minute_are_one_token_issued_at_its_start(settings):
    minute = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    early = public_checkout_token(settings, "ck_someone", now=minute + timedelta(seconds=1))
    late = public_checkout_token(settings, "ck_someone", now=minute + timedelta(seconds=59))
    next_minute = public_checkout_token(settings, "ck_someone", now=minute + timedelta(minutes=1))
    other = public_checkout_token(settings, "ck_other", now=minute + timedelta(seconds=1))

    assert early == late
    assert len({early, next_minute, other}) == 3
    claims = jwt.decode(
        early, settings.CUSTOMER_JWT_SECRET, algorithms=["HS256"], options={"verify_exp": False}
    )
    assert claims["iat"] == int(minute.timestamp())
    assert claims["exp"] == int((minute + timedelta(hours=24)).timestamp())
