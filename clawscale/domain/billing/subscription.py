"""A customer's subscription as they see it: where their access stands (the free trial, a paid
30-day pass, lapsed, suspended, or not limited when payments are not configured), when the trial
and the paid time end, whether they may buy more, and their payment history (the passes they
bought, newest first, a page at a time).

Passes stack (`access.grant_pass`): during the trial a pass already bought starts when the trial
ends, so the standing stays `trial` until then and `access_ends_at` is the end of the last pass.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, func, select

from clawscale.domain.accounts.customers import Account
from clawscale.domain.billing.access import AccessDecision, access_decision
from clawscale.models import AccessPass
from clawscale.models.base import utcnow
from clawscale.settings import Settings


class Standing(StrEnum):
    """Where a customer's access stands now."""

    TRIAL = "trial"
    PASS = "pass"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    UNLIMITED = "unlimited"


@dataclass(frozen=True)
class Subscription:
    """The customer's access now: its standing, when the trial ends (or ended), when access
    ends (or ended), and whether they may pay for more (Stripe set up, not suspended, email
    verified)."""

    standing: Standing
    trial_ends_at: datetime
    access_ends_at: datetime
    payments_configured: bool
    email_verified: bool
    can_buy: bool


def standing(decision: AccessDecision, *, suspended: bool, now: datetime) -> Standing:
    """The standing an access decision amounts to (a suspension first, then no limit without
    payments, then whether any time is left, and whether it is the trial's)."""
    if suspended:
        return Standing.SUSPENDED
    if not decision.payments_configured:
        return Standing.UNLIMITED
    if decision.expires_at <= now:
        return Standing.LAPSED
    return Standing.TRIAL if decision.trial_ends_at > now else Standing.PASS


def subscription(
    db: Session, settings: Settings, account: Account, now: datetime | None = None
) -> Subscription:
    """The signed-in customer's subscription now."""
    at = now or utcnow()
    decision = access_decision(db, settings, account.customer, shared_channel=False, now=at)
    suspended = account.customer.suspended
    verified = account.identity.email_verified_at is not None
    return Subscription(
        standing=standing(decision, suspended=suspended, now=at),
        trial_ends_at=decision.trial_ends_at,
        access_ends_at=decision.expires_at,
        payments_configured=decision.payments_configured,
        email_verified=verified,
        can_buy=decision.payments_configured and verified and not suspended,
    )


def count_payments(db: Session, customer_id: str) -> int:
    """How many passes the customer has bought."""
    return db.exec(
        select(func.count()).select_from(AccessPass).where(AccessPass.customer_id == customer_id)
    ).one()


def payments(db: Session, customer_id: str, limit: int, offset: int) -> list[AccessPass]:
    """The customer's passes, the newest purchase first, `limit` of them from `offset`."""
    return list(
        db.exec(
            select(AccessPass)
            .where(AccessPass.customer_id == customer_id)
            .order_by(col(AccessPass.created_at).desc(), col(AccessPass.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
    )
