"""How long a customer may use the gateway: a 30-day trial from creation, then paid passes."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from clawscale.models import AccessPass, Customer
from clawscale.models.base import utcnow

TRIAL_LENGTH = timedelta(days=30)


@dataclass(frozen=True)
class AccessSummary:
    """Whether access is current, and until when it runs."""

    active: bool
    expires_at: datetime


def access_expires_at(db: Session, customer: Customer) -> datetime:
    """The later of the trial's end and the latest paid pass's expiry."""
    trial_end = customer.created_at + TRIAL_LENGTH
    latest_pass = db.exec(
        select(func.max(AccessPass.expires_at)).where(AccessPass.customer_id == customer.id)
    ).one()
    if latest_pass is None:
        return trial_end
    if latest_pass.tzinfo is None:
        latest_pass = latest_pass.replace(tzinfo=trial_end.tzinfo)
    return max(trial_end, latest_pass)


def access_summary(db: Session, customer: Customer) -> AccessSummary:
    """The customer's access now (a suspended customer has none)."""
    expires_at = access_expires_at(db, customer)
    return AccessSummary(
        active=not customer.suspended and expires_at > utcnow(), expires_at=expires_at
    )
