"""How long a customer may use the gateway, and whether they may use it now.

Access runs for a 30-day trial from the customer's creation; each paid Stripe Checkout adds a
30-day pass that starts when the current access ends (the later of the latest pass's expiry and
the trial's end) or now, when access has already lapsed. A pass is granted once per Checkout
session id, however often and however concurrently Stripe reports the payment.

The access decision checks, in order: `account_suspended`, `email_not_verified` (not for
customers reached through a shared channel, who may never have given an email) and
`subscription_required`. Without Stripe configured (development) nothing is paid for, so the
subscription check is skipped and the gateway stays usable.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from clawscale.models import AccessPass, Customer, Identity, Membership
from clawscale.models.base import utcnow
from clawscale.settings import Settings

TRIAL_LENGTH = timedelta(days=30)
PASS_LENGTH = timedelta(days=30)


class DenialReason(StrEnum):
    """Why a customer may not use the gateway now (the contract's error codes)."""

    ACCOUNT_SUSPENDED = "account_suspended"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    SUBSCRIPTION_REQUIRED = "subscription_required"


class Subscriber(Protocol):
    """What access is decided from: a customer row, or the columns of one a statement read."""

    @property
    def id(self) -> str: ...

    @property
    def suspended(self) -> bool: ...

    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True)
class AccessDecision:
    """Whether the customer may use the gateway now, why not, and the dates behind it."""

    allowed: bool
    reason: DenialReason | None
    expires_at: datetime
    trial_ends_at: datetime
    payments_configured: bool
    email_verified: bool
    subscription_active: bool


@dataclass(frozen=True)
class AccessSummary:
    """Whether access time is current, and until when it runs."""

    active: bool
    expires_at: datetime


@dataclass(frozen=True)
class Charge:
    """What a paid Checkout session cost: the amount in the currency's smallest unit (cents)
    and the currency's ISO code in lower case, as Stripe writes them."""

    amount_total: int
    currency: str


@dataclass(frozen=True)
class PassGrant:
    """The pass of one Checkout session, and whether this call created it."""

    access_pass: AccessPass
    created: bool


def payments_configured(settings: Settings) -> bool:
    """Whether Stripe is set up to sell passes (a secret key and a price)."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PRICE_ID)


def trial_ends_at(customer: Subscriber) -> datetime:
    """The end of the customer's free trial."""
    return customer.created_at + TRIAL_LENGTH


def latest_pass_expiry_sql(customer_id: Any) -> Any:
    """SQL: when the last paid pass of the customer `customer_id` names ends (NULL when they
    never bought one), for a statement that reads a customer's access with its other columns."""
    return (
        select(func.max(AccessPass.expires_at))
        .where(AccessPass.customer_id == customer_id)
        .scalar_subquery()
    )


def email_verified_sql(customer_id: Any) -> Any:
    """SQL: whether a person of the customer `customer_id` names has verified their email
    address."""
    return sa.exists().where(
        col(Membership.customer_id) == customer_id,
        col(Membership.identity_id) == col(Identity.id),
        col(Identity.email_verified_at).is_not(None),
    )


def latest_pass_expiry(db: Session, customer_id: str) -> datetime | None:
    """When the customer's last paid pass ends; None when they never bought one."""
    return db.exec(select(latest_pass_expiry_sql(customer_id))).one()


def _expiry(customer: Subscriber, latest_pass: datetime | None) -> datetime:
    trial_end = trial_ends_at(customer)
    return trial_end if latest_pass is None else max(trial_end, latest_pass)


def access_expires_at(db: Session, customer: Customer) -> datetime:
    """The later of the trial's end and the latest paid pass's expiry."""
    return _expiry(customer, latest_pass_expiry(db, customer.id))


def email_verified(db: Session, customer: Customer) -> bool:
    """Whether a person of the customer account has verified their email address."""
    return bool(db.exec(select(email_verified_sql(customer.id))).one())


def _decision(
    settings: Settings,
    customer: Subscriber,
    expires_at: datetime,
    now: datetime,
    *,
    verified: bool,
    shared_channel: bool,
) -> AccessDecision:
    subscription_active = not payments_configured(settings) or expires_at > now
    reason = None
    if customer.suspended:
        reason = DenialReason.ACCOUNT_SUSPENDED
    elif not shared_channel and not verified:
        reason = DenialReason.EMAIL_NOT_VERIFIED
    elif not subscription_active:
        reason = DenialReason.SUBSCRIPTION_REQUIRED
    return AccessDecision(
        allowed=reason is None,
        reason=reason,
        expires_at=expires_at,
        trial_ends_at=trial_ends_at(customer),
        payments_configured=payments_configured(settings),
        email_verified=verified,
        subscription_active=subscription_active,
    )


def access_decision(
    db: Session,
    settings: Settings,
    customer: Customer,
    *,
    shared_channel: bool,
    now: datetime | None = None,
) -> AccessDecision:
    """May `customer` use the gateway now? `shared_channel` customers skip the email check."""
    return decided_access(
        settings,
        customer,
        latest_pass_expiry(db, customer.id),
        verified=email_verified(db, customer),
        shared_channel=shared_channel,
        now=now,
    )


def decided_access(
    settings: Settings,
    customer: Subscriber,
    latest_pass: datetime | None,
    *,
    verified: bool,
    shared_channel: bool,
    now: datetime | None = None,
) -> AccessDecision:
    """`access_decision` from facts already read: the latest pass's expiry
    (`latest_pass_expiry_sql`) and whether an email is verified (`email_verified_sql`)."""
    return _decision(
        settings,
        customer,
        _expiry(customer, latest_pass),
        now or utcnow(),
        verified=verified,
        shared_channel=shared_channel,
    )


def access_summary(db: Session, customer: Customer) -> AccessSummary:
    """The customer's access time now (a suspended customer has none)."""
    expires_at = access_expires_at(db, customer)
    return AccessSummary(
        active=not customer.suspended and expires_at > utcnow(), expires_at=expires_at
    )


def _locked_customer(db: Session, customer_id: str) -> Customer | None:
    """The customer row, locked until the transaction ends (PostgreSQL; SQLite transactions
    already take turns), and read afresh."""
    return db.exec(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def pass_for_checkout(db: Session, checkout_session_id: str) -> AccessPass | None:
    """The pass a Checkout session already bought, if any."""
    return db.exec(
        select(AccessPass).where(AccessPass.stripe_checkout_session_id == checkout_session_id)
    ).first()


def grant_pass(
    db: Session,
    customer_id: str,
    checkout_session_id: str,
    now: datetime | None = None,
    charge: Charge | None = None,
) -> PassGrant | None:
    """Add 30 days for one paid Checkout session, once, with what it cost (`charge`, when
    Stripe said); None when the customer is unknown.

    The customer row is locked first, so two payments of one customer stack one after the
    other; the unique session id is the final guard against a concurrent duplicate.
    """
    customer = _locked_customer(db, customer_id)
    if customer is None:
        return None
    existing = pass_for_checkout(db, checkout_session_id)
    if existing is not None:
        return PassGrant(existing, created=False)
    starts_at = max(now or utcnow(), access_expires_at(db, customer))
    new_pass = AccessPass(
        customer_id=customer.id,
        stripe_checkout_session_id=checkout_session_id,
        starts_at=starts_at,
        expires_at=starts_at + PASS_LENGTH,
        amount_total=charge.amount_total if charge else None,
        currency=charge.currency if charge else None,
    )
    try:
        with db.begin_nested():
            db.add(new_pass)
    except sa.exc.IntegrityError:
        existing = pass_for_checkout(db, checkout_session_id)
        assert existing is not None, "a unique violation implies the session's pass exists"
        return PassGrant(existing, created=False)
    return PassGrant(new_pass, created=True)
