"""The channels a customer owns, for their channel index: each live (not archived) personal
channel, its state as the customer may see it, and the next thing to do about it, a page at a
time, oldest first.

The next step comes from what stands in the way of using any channel first (a suspended account,
an email still to verify, lapsed access: `access_blocker`), then from the channel's own state
(`STATUS_STEPS`; a QR login under way is to be finished). A customer with no channel is invited
to connect one, unless something stands in the way.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, func, select

from clawscale.domain.accounts.customers import Account
from clawscale.domain.billing.access import DenialReason, access_decision
from clawscale.domain.channels.wechat_personal import ChannelView, view_of
from clawscale.models import Channel, ChannelScope, ChannelStatus, ClaimStatus
from clawscale.settings import Settings


class NextStep(StrEnum):
    """What the customer is to do next about a channel (or about having none)."""

    CONNECT = "connect"
    FINISH_LOGIN = "finish_login"
    RECONNECT = "reconnect"
    MANAGE = "manage"
    VERIFY_EMAIL = "verify_email"
    RENEW = "renew"
    SUSPENDED = "suspended"


STATUS_STEPS: dict[str, NextStep] = {
    ChannelStatus.PENDING: NextStep.CONNECT,
    ChannelStatus.CONNECTED: NextStep.MANAGE,
    ChannelStatus.DISCONNECTED: NextStep.RECONNECT,
    ChannelStatus.ERROR: NextStep.RECONNECT,
}


@dataclass(frozen=True)
class ChannelSummary:
    """One of the customer's channels: its kind, what they may see of it, and what to do next."""

    kind: str
    view: ChannelView
    next_step: NextStep


def access_blocker(db: Session, settings: Settings, account: Account) -> NextStep | None:
    """What keeps the customer from using a channel now, if anything: a suspension, then an
    email still to verify (or an account not yet claimed), then lapsed access."""
    reason = access_decision(db, settings, account.customer, shared_channel=False).reason
    if reason is DenialReason.ACCOUNT_SUSPENDED:
        return NextStep.SUSPENDED
    claimed = account.identity.claim_status == ClaimStatus.ACTIVE
    if not claimed or reason is DenialReason.EMAIL_NOT_VERIFIED:
        return NextStep.VERIFY_EMAIL
    if reason is DenialReason.SUBSCRIPTION_REQUIRED:
        return NextStep.RENEW
    return None


def next_step(view: ChannelView, blocker: NextStep | None) -> NextStep:
    """The next thing to do about a channel in the state `view` shows."""
    if blocker is not None:
        return blocker
    if view.login_live:
        return NextStep.FINISH_LOGIN
    return STATUS_STEPS.get(view.status, NextStep.MANAGE)


def _owned(customer_id: str) -> list[Any]:
    return [
        Channel.owner_customer_id == customer_id,
        Channel.scope == ChannelScope.PERSONAL,
        Channel.status != ChannelStatus.ARCHIVED,
    ]


def count_owned_channels(db: Session, customer_id: str) -> int:
    """How many live channels the customer owns."""
    return db.exec(select(func.count()).select_from(Channel).where(*_owned(customer_id))).one()


def channel_summaries(
    db: Session,
    settings: Settings,
    customer_id: str,
    blocker: NextStep | None,
    limit: int,
    offset: int,
) -> list[ChannelSummary]:
    """The customer's live channels, oldest first, `limit` of them from `offset`, each with its
    next step (`blocker` first, from `access_blocker`)."""
    rows = db.exec(
        select(Channel)
        .where(*_owned(customer_id))
        .order_by(col(Channel.created_at), col(Channel.id))
        .offset(offset)
        .limit(limit)
    ).all()
    summaries = []
    for channel in rows:
        view = view_of(settings, channel)
        summaries.append(ChannelSummary(channel.kind, view, next_step(view, blocker)))
    return summaries
