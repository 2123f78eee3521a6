"""Paying for access with Stripe: Checkout sessions, renewal links, and the Stripe webhook.

A pass is bought with a Stripe Checkout session in `payment` mode for STRIPE_PRICE_ID. The
session names our customer (`client_reference_id` and `metadata.customer_id`); when Stripe
reports it paid (`checkout.session.completed`, or `checkout.session.async_payment_succeeded`
for delayed payment methods) the pass is granted once per session id and a receipt is mailed.

Signed-in customers start Checkout from `/account`, `/account/subscription` or the API (each
page gets the customer back to itself); chat users renew through a signed 24-hour link
(`billing.links.renewal_link`) without signing in. The pass keeps what the session cost, for the
payment history. The `stripe` SDK talks to STRIPE_API_BASE_URL, so tests point it at a local
fake.
"""

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
import stripe
from sqlmodel import Session

from clawscale.domain.accounts.customers import Account
from clawscale.domain.billing.access import Charge, grant_pass, payments_configured
from clawscale.domain.billing.links import (
    CheckoutReturn,
    customer_for_checkout_token,
    public_return_url,
)
from clawscale.domain.billing.mail import account_email, send_receipt
from clawscale.domain.errors import DomainError, Forbidden, InvalidToken, Unavailable
from clawscale.domain.inbound.holds import release_held_events
from clawscale.models import Customer, StripeEvent
from clawscale.settings import Settings
from clawscale.web_links import ACCOUNT_PATH, web_url

logger = logging.getLogger(__name__)

STRIPE_TIMEOUT_SECONDS = 20
STRIPE_NETWORK_RETRIES = 1
SIGNATURE_TOLERANCE_SECONDS = 300
EVENT_ID_LENGTH = 255
EVENT_TYPE_LENGTH = 120
CURRENCY_CODE_LENGTH = 3
PAID_SESSION_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)


class PaymentProviderError(DomainError):
    """Stripe could not be reached or refused the request (answered as 502)."""


class InvalidSignature(InvalidToken):
    """A webhook whose Stripe signature is missing, wrong or too old (answered as 400)."""


class MalformedEvent(InvalidToken):
    """A correctly signed webhook body that is not a Stripe event (answered as 400)."""


class EventOutcome(StrEnum):
    """What one verified Stripe event did."""

    CREDITED = "credited"
    ALREADY_CREDITED = "already_credited"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True)
class CheckoutLink:
    """A Stripe Checkout session and the page where the customer pays."""

    session_id: str
    url: str


@dataclass(frozen=True)
class ReturnUrls:
    """Where Stripe sends the customer after paying or cancelling."""

    success: str
    cancel: str


def _require_payments(settings: Settings) -> None:
    if not payments_configured(settings):
        raise Unavailable("payments_not_configured", "Payments are not configured.")


@lru_cache(maxsize=1)
def _http_client() -> stripe.HTTPClient:
    """The SDK's own transport (`requests`), shared, with a timeout fit for a page request."""
    return stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS)


def stripe_client(settings: Settings) -> stripe.StripeClient:
    """The Stripe SDK client for the configured key, talking to STRIPE_API_BASE_URL."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE_URL.rstrip("/")},
        http_client=_http_client(),
        max_network_retries=STRIPE_NETWORK_RETRIES,
    )


def _checkout_params(
    settings: Settings, customer_id: str, urls: ReturnUrls, email: str | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price": settings.STRIPE_PRICE_ID, "quantity": 1}],
        "client_reference_id": customer_id,
        "metadata": {"customer_id": customer_id},
        "payment_intent_data": {"metadata": {"customer_id": customer_id}},
        "success_url": urls.success,
        "cancel_url": urls.cancel,
    }
    if email:
        params["customer_email"] = email
    return params


def create_checkout(
    settings: Settings, customer_id: str, urls: ReturnUrls, email: str | None = None
) -> CheckoutLink:
    """A new Checkout session for one 30-day pass; `PaymentProviderError` when Stripe fails."""
    _require_payments(settings)
    params = _checkout_params(settings, customer_id, urls, email)
    try:
        session = stripe_client(settings).v1.checkout.sessions.create(params=params)
    except stripe.StripeError as error:
        logger.warning("Stripe Checkout for %s failed: %s", customer_id, type(error).__name__)
        raise PaymentProviderError(
            "payment_provider_error", "The payment provider is not answering. Try again soon."
        ) from error
    if not session.url:
        raise PaymentProviderError("payment_provider_error", "Stripe returned no Checkout page.")
    return CheckoutLink(session.id, session.url)


def _account_return_urls(settings: Settings, return_path: str) -> ReturnUrls:
    base = web_url(settings, return_path)
    return ReturnUrls(
        success=f"{base}?checkout={CheckoutReturn.SUCCESS}",
        cancel=f"{base}?checkout={CheckoutReturn.CANCELLED}",
    )


def _refuse_suspended(customer: Customer) -> None:
    if customer.suspended:
        raise Forbidden("account_suspended", "This account is suspended.")


def start_account_checkout(
    db: Session, settings: Settings, account: Account, return_path: str = ACCOUNT_PATH
) -> CheckoutLink:
    """Checkout for a signed-in customer, returning to the web app's page `return_path`
    (`/account`, or `/account/subscription`); the email must be verified."""
    _refuse_suspended(account.customer)
    if account.identity.email_verified_at is None:
        raise Forbidden("email_not_verified", "Verify your email address before you pay.")
    return create_checkout(
        settings,
        account.customer.id,
        _account_return_urls(settings, return_path),
        account.identity.email,
    )


def start_public_checkout(db: Session, settings: Settings, token: str) -> CheckoutLink:
    """Checkout for the customer of a renewal-link token (no sign-in, no email check)."""
    customer = customer_for_checkout_token(db, settings, token)
    _refuse_suspended(customer)
    urls = ReturnUrls(
        success=public_return_url(settings, CheckoutReturn.SUCCESS),
        cancel=public_return_url(settings, CheckoutReturn.CANCELLED),
    )
    return create_checkout(settings, customer.id, urls, account_email(db, customer))


def verified_event(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The Stripe event in `payload` once its `Stripe-Signature` checks out with
    STRIPE_WEBHOOK_SECRET and is at most five minutes old."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Unavailable("payments_not_configured", "Stripe webhooks are not configured.")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise InvalidSignature("invalid_signature", "The signature does not match.") from error
    except ValueError as error:
        raise MalformedEvent("invalid_body", "The event is not JSON.") from error
    if not _is_event(event):
        raise MalformedEvent("invalid_body", "The body is not a Stripe event.")
    return event


def _short_text(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _is_event(event: object) -> bool:
    return (
        isinstance(event, dict)
        and _short_text(event.get("id"), EVENT_ID_LENGTH)
        and _short_text(event.get("type"), EVENT_TYPE_LENGTH)
        and isinstance(event.get("data"), dict)
    )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def record_event(db: Session, event: dict[str, Any]) -> bool:
    """Remember the event id; False when it was already seen (a redelivery)."""
    try:
        with db.begin_nested():
            db.add(StripeEvent(event_id=event["id"], event_type=event["type"]))
    except sa.exc.IntegrityError:
        return False
    return True


def _paid_session(event: dict[str, Any]) -> dict[str, Any] | None:
    """The Checkout session of an event that reports one paid, else None."""
    session = event["data"].get("object")
    if event["type"] not in PAID_SESSION_EVENTS or not isinstance(session, dict):
        return None
    if session.get("payment_status") != "paid" or not isinstance(session.get("id"), str):
        return None
    return session


def _session_customer_id(session: dict[str, Any]) -> str | None:
    metadata = _mapping(session.get("metadata"))
    customer_id = session.get("client_reference_id") or metadata.get("customer_id")
    return customer_id if isinstance(customer_id, str) else None


def session_charge(session: dict[str, Any]) -> Charge | None:
    """What a paid Checkout session cost (`amount_total` in the smallest unit, `currency`), or
    None when the session does not say."""
    amount, currency = session.get("amount_total"), session.get("currency")
    if type(amount) is not int or amount < 0:
        return None
    if not isinstance(currency, str) or len(currency) != CURRENCY_CODE_LENGTH:
        return None
    return Charge(amount, currency.lower())


def _credit(db: Session, settings: Settings, session: dict[str, Any]) -> EventOutcome:
    customer_id = _session_customer_id(session)
    charge = session_charge(session)
    grant = grant_pass(db, customer_id, session["id"], charge=charge) if customer_id else None
    if grant is None:
        logger.warning("paid Checkout session %s names no known customer", session["id"])
        return EventOutcome.IGNORED
    if not grant.created:
        return EventOutcome.ALREADY_CREDITED
    release_held_events(db, grant.access_pass.customer_id)
    details = _mapping(session.get("customer_details"))
    send_receipt(db, settings, grant.access_pass, fallback_email=details.get("email"))
    return EventOutcome.CREDITED


def apply_event(db: Session, settings: Settings, event: dict[str, Any]) -> EventOutcome:
    """Apply one verified event once: a paid Checkout session buys a pass; others are ignored."""
    if not record_event(db, event):
        return EventOutcome.DUPLICATE
    session = _paid_session(event)
    if session is None:
        return EventOutcome.IGNORED
    return _credit(db, settings, session)


def handle_stripe_webhook(
    db: Session, settings: Settings, payload: bytes, signature: str | None
) -> EventOutcome:
    """Verify a Stripe webhook delivery and apply its event (nothing is stored when it fails)."""
    return apply_event(db, settings, verified_event(settings, payload, signature))
