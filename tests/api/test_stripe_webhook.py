"""`POST /api/webhooks/stripe` over real HTTP on both databases: events built and signed as
Stripe builds and signs them; redelivery, races, reordering, stale and wrong signatures."""

import threading
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, func, select

from clawscale.domain.billing.access import PASS_LENGTH, TRIAL_LENGTH
from clawscale.domain.billing.links import renewal_link
from clawscale.models import AccessPass, EmailMessage, StripeEvent
from clawscale.models.base import utcnow
from tests.api.test_subscription import Made, make_account, stripe_settings
from tests.fakes.stripe import FakeStripe, fake_stripe, sign

WEBHOOK = "/api/webhooks/stripe"


@pytest.fixture
def stripe_fake():
    with fake_stripe() as fake:
        yield fake


@pytest.fixture
def settings(use_settings, stripe_fake, api_url):
    return use_settings(**stripe_settings(stripe_fake, api_url))


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def passes(session, made: Made) -> list[AccessPass]:
    session.expire_all()
    query = select(AccessPass).where(AccessPass.customer_id == made.customer.id)
    return list(session.exec(query.order_by(col(AccessPass.expires_at))))


def receipts(session) -> list[EmailMessage]:
    session.expire_all()
    query = select(EmailMessage).where(EmailMessage.subject == "Your ClawScale access receipt")
    return list(session.exec(query))


def checkout(client: httpx.Client, made: Made, fake: FakeStripe) -> str:
    """Start a Checkout through the API; the new session's id."""
    response = client.post("/api/customer/subscription/checkout", headers=made.headers)
    assert response.status_code == 200
    return fake.last_session()["id"]


def deliver(client: httpx.Client, fake: FakeStripe, event: dict, **signing) -> httpx.Response:
    body, headers = fake.signed(event, **signing)
    return client.post(WEBHOOK, content=body, headers=headers)


def test_a_paid_checkout_adds_30_days_after_the_trial_once(client, session, settings, stripe_fake):
    made = make_account(session, settings, age=timedelta(days=10))
    session_id = checkout(client, made, stripe_fake)
    event = stripe_fake.completed_event(session_id)

    response = deliver(client, stripe_fake, event)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "data": {"received": True, "outcome": "credited"}}
    [granted] = passes(session, made)
    trial_end = made.customer.created_at + TRIAL_LENGTH
    assert granted.stripe_checkout_session_id == session_id
    assert granted.starts_at == trial_end
    assert granted.expires_at == trial_end + PASS_LENGTH
    [stored] = session.exec(select(StripeEvent)).all()
    assert (stored.event_id, stored.event_type) == (event["id"], "checkout.session.completed")
    [receipt] = receipts(session)
    assert receipt.recipient == "ada@example.com"
    assert "Your access now runs until" in receipt.text
    me = client.get("/api/customer/subscription", headers=made.headers).json()["data"]
    assert me["expires_at"].startswith(granted.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_redelivered_event_changes_nothing(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    event = stripe_fake.completed_event(checkout(client, made, stripe_fake))
    assert deliver(client, stripe_fake, event).json()["data"]["outcome"] == "credited"

    again = deliver(client, stripe_fake, event)

    assert again.status_code == 200
    assert again.json()["data"]["outcome"] == "duplicate"
    assert len(passes(session, made)) == 1
    assert count(session, StripeEvent) == 1
    assert len(receipts(session)) == 1


def test_two_events_for_one_session_credit_it_once_in_either_order(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings)
    session_id = checkout(client, made, stripe_fake)
    late_success = stripe_fake.completed_event(
        session_id, "checkout.session.async_payment_succeeded"
    )
    completed = stripe_fake.completed_event(session_id)

    first = deliver(client, stripe_fake, late_success)
    second = deliver(client, stripe_fake, completed)

    assert first.json()["data"]["outcome"] == "credited"
    assert second.json()["data"]["outcome"] == "already_credited"
    assert len(passes(session, made)) == 1
    assert count(session, StripeEvent) == 2


def test_a_completed_but_unpaid_session_waits_for_the_payment(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings)
    session_id = checkout(client, made, stripe_fake)
    unpaid = stripe_fake.event(
        "checkout.session.completed",
        {**stripe_fake.paid_session(session_id), "payment_status": "unpaid"},
    )
    assert deliver(client, stripe_fake, unpaid).json()["data"]["outcome"] == "ignored"
    assert passes(session, made) == []

    paid = stripe_fake.completed_event(session_id, "checkout.session.async_payment_succeeded")
    assert deliver(client, stripe_fake, paid).json()["data"]["outcome"] == "credited"
    assert len(passes(session, made)) == 1


def race(count: int, work) -> list:
    """Run `work()` in `count` threads released at once; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_deliveries_of_one_event_credit_once(
    client, session, settings, stripe_fake, api_url
):
    made = make_account(session, settings)
    body, headers = stripe_fake.signed(
        stripe_fake.completed_event(checkout(client, made, stripe_fake))
    )

    def post(_index: int) -> httpx.Response:
        return httpx.post(api_url + WEBHOOK, content=body, headers=headers, timeout=30)

    responses = race(4, post)

    assert [response.status_code for response in responses] == [200] * 4
    outcomes = sorted(response.json()["data"]["outcome"] for response in responses)
    assert outcomes == ["credited", "duplicate", "duplicate", "duplicate"]
    assert len(passes(session, made)) == 1
    assert count(session, StripeEvent) == 1
    assert len(receipts(session)) == 1


def test_concurrent_events_for_one_session_credit_once(
    client, session, settings, stripe_fake, api_url
):
    made = make_account(session, settings)
    session_id = checkout(client, made, stripe_fake)
    deliveries = [stripe_fake.signed(stripe_fake.completed_event(session_id)) for _ in range(4)]

    def post(index: int) -> httpx.Response:
        body, headers = deliveries[index]
        return httpx.post(api_url + WEBHOOK, content=body, headers=headers, timeout=30)

    responses = race(4, post)

    outcomes = sorted(response.json()["data"]["outcome"] for response in responses)
    assert outcomes == ["already_credited"] * 3 + ["credited"]
    assert len(passes(session, made)) == 1
    assert count(session, StripeEvent) == 4


def test_concurrent_payments_of_one_customer_stack(client, session, settings, stripe_fake, api_url):
    made = make_account(session, settings)
    sessions = [checkout(client, made, stripe_fake) for _ in range(3)]
    deliveries = [stripe_fake.signed(stripe_fake.completed_event(sid)) for sid in sessions]

    def post(index: int) -> httpx.Response:
        body, headers = deliveries[index]
        return httpx.post(api_url + WEBHOOK, content=body, headers=headers, timeout=30)

    race(3, post)

    granted = passes(session, made)
    trial_end = made.customer.created_at + TRIAL_LENGTH
    assert [(p.starts_at, p.expires_at) for p in granted] == [
        (trial_end + PASS_LENGTH * n, trial_end + PASS_LENGTH * (n + 1)) for n in range(3)
    ]


def test_passes_stack_after_the_latest_expiry_or_start_now_when_lapsed(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings, age=timedelta(days=50))
    first = checkout(client, made, stripe_fake)
    second = checkout(client, made, stripe_fake)
    before = utcnow()
    deliver(client, stripe_fake, stripe_fake.completed_event(first))
    deliver(client, stripe_fake, stripe_fake.completed_event(second))

    earlier, later = passes(session, made)
    assert before <= earlier.starts_at <= utcnow()
    assert earlier.expires_at == earlier.starts_at + PASS_LENGTH
    assert later.starts_at == earlier.expires_at
    assert later.expires_at == earlier.expires_at + PASS_LENGTH


def assert_nothing_stored(session, made: Made) -> None:
    assert count(session, StripeEvent) == 0
    assert passes(session, made) == []


def test_wrong_missing_or_tampered_signatures_are_refused(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    event = stripe_fake.completed_event(checkout(client, made, stripe_fake))
    body, headers = stripe_fake.signed(event)
    tampered = body.replace(made.customer.id.encode(), b"ck_attacker")
    attempts = {
        "other secret": stripe_fake.signed(event, secret="whsec_someone_else"),
        "tampered body": (tampered, headers),
        "no header": (body, {"Content-Type": "application/json"}),
        "garbage header": (body, {**headers, "Stripe-Signature": "nonsense"}),
        "other scheme": (
            body,
            {**headers, "Stripe-Signature": headers["Stripe-Signature"].replace("v1=", "v0=")},
        ),
        "not utf-8": (b"\xff\xfe" + body, headers),
    }
    for name, (payload, sent_headers) in attempts.items():
        response = client.post(WEBHOOK, content=payload, headers=sent_headers)
        assert response.status_code == 400, name
        assert response.json()["error"] == "invalid_signature", name
    assert_nothing_stored(session, made)


def test_stale_signatures_are_refused(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    event = stripe_fake.completed_event(checkout(client, made, stripe_fake))
    stale = deliver(client, stripe_fake, event, timestamp=int(time.time()) - 301)
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_signature"
    assert_nothing_stored(session, made)
    assert deliver(client, stripe_fake, event).status_code == 200


def test_unknown_event_types_are_acknowledged_and_ignored(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    session_id = checkout(client, made, stripe_fake)
    for event in (
        stripe_fake.event("customer.created", {"id": "cus_123", "object": "customer"}),
        stripe_fake.event("checkout.session.expired", stripe_fake.paid_session(session_id)),
        stripe_fake.event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}),
    ):
        response = deliver(client, stripe_fake, event)
        assert response.status_code == 200
        assert response.json()["data"]["outcome"] == "ignored"
    assert passes(session, made) == []


def test_a_paid_session_of_an_unknown_customer_is_ignored(client, session, settings, stripe_fake):
    made = make_account(session, settings)
    session_id = checkout(client, made, stripe_fake)
    stranger = {
        **stripe_fake.paid_session(session_id),
        "client_reference_id": "ck_unknown",
        "metadata": {"customer_id": "ck_unknown"},
    }
    event = stripe_fake.event("checkout.session.completed", stranger)
    response = deliver(client, stripe_fake, event)
    assert response.status_code == 200
    assert response.json()["data"]["outcome"] == "ignored"
    assert count(session, AccessPass) == 0


def test_a_signed_body_that_is_not_an_event_is_refused(client, session, settings, stripe_fake):
    body = b'{"hello": "world"}'
    headers = {"Stripe-Signature": sign(body, stripe_fake.webhook_secret)}
    response = client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert count(session, StripeEvent) == 0


def test_without_a_webhook_secret_every_delivery_is_refused(
    client, session, use_settings, stripe_fake, api_url
):
    settings = use_settings(
        **{**stripe_settings(stripe_fake, api_url), "STRIPE_WEBHOOK_SECRET": ""}
    )
    made = make_account(session, settings)
    event = stripe_fake.completed_event(checkout(client, made, stripe_fake))
    response = deliver(client, stripe_fake, event)
    assert response.status_code == 503
    assert response.json()["error"] == "payments_not_configured"
    assert_nothing_stored(session, made)


def test_the_receipt_goes_to_the_checkout_email_when_the_account_has_none(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings, email=None, verified=False)
    link = client.get(renewal_link(settings, made.customer.id), follow_redirects=False)
    assert link.status_code == 302
    deliver(client, stripe_fake, stripe_fake.completed_event(stripe_fake.last_session()["id"]))
    [receipt] = receipts(session)
    assert receipt.recipient == "payer@example.com"


def test_oddly_shaped_signed_events_never_break_the_endpoint(
    client, session, settings, stripe_fake
):
    made = make_account(session, settings)
    paid = stripe_fake.paid_session(checkout(client, made, stripe_fake))
    odd_sessions = [
        {**paid, "client_reference_id": 42, "metadata": "not a mapping"},
        {**paid, "customer_details": ["x"], "client_reference_id": None, "metadata": None},
        {**paid, "id": None},
        "not an object",
    ]
    for odd in odd_sessions:
        response = deliver(
            client, stripe_fake, stripe_fake.event("checkout.session.completed", odd)
        )
        assert response.status_code == 200, odd
        assert response.json()["data"]["outcome"] == "ignored", odd
    too_long = {**stripe_fake.completed_event(paid["id"]), "id": "evt_" + "x" * 300}
    response = deliver(client, stripe_fake, too_long)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert passes(session, made) == []
