"""The outbox for operators: filtered lists with keyset pagination, and a delivery's attempts."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select, tuple_

from clawscale.models import (
    DeliveryAttempt,
    DeliveryStatus,
    InboundEvent,
    InboundStatus,
    OutboundDelivery,
)

FAILURES = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)


@dataclass(frozen=True)
class DeliveryFilter:
    """Which deliveries to list; no statuses means every status."""

    statuses: Sequence[DeliveryStatus] = FAILURES
    channel_id: str | None = None
    customer_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class DeliveryPage:
    """One page, newest first, with the cursor of the next page (None at the end)."""

    items: list[OutboundDelivery]
    total: int
    next_cursor: str | None


def encode_cursor(delivery: OutboundDelivery) -> str:
    """An opaque cursor positioned just after `delivery`."""
    raw = f"{delivery.created_at.isoformat()}|{delivery.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """The position in a cursor; None when it is not one of ours."""
    try:
        created, _, delivery_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), delivery_id
    except (ValueError, UnicodeDecodeError):
        return None


def _conditions(selection: DeliveryFilter) -> list:
    conditions = []
    if selection.statuses:
        conditions.append(col(OutboundDelivery.status).in_(list(selection.statuses)))
    if selection.channel_id:
        conditions.append(OutboundDelivery.channel_id == selection.channel_id)
    if selection.customer_id:
        conditions.append(OutboundDelivery.customer_id == selection.customer_id)
    if selection.since:
        conditions.append(OutboundDelivery.created_at >= selection.since)
    if selection.until:
        conditions.append(OutboundDelivery.created_at < selection.until)
    return conditions


def list_deliveries(
    db: Session,
    selection: DeliveryFilter,
    limit: int,
    *,
    after: tuple[datetime, str] | None = None,
    offset: int = 0,
) -> DeliveryPage:
    """Newest first; `after` (keyset, fast at any depth) or `offset` (the contract's paging)."""
    conditions = _conditions(selection)
    total = db.exec(select(func.count()).select_from(OutboundDelivery).where(*conditions)).one()
    query = select(OutboundDelivery).where(*conditions)
    if after is not None:
        query = query.where(
            tuple_(OutboundDelivery.created_at, OutboundDelivery.id) < tuple_(*after)
        )
    rows = list(
        db.exec(
            query.order_by(col(OutboundDelivery.created_at).desc(), col(OutboundDelivery.id).desc())
            .offset(offset if after is None else 0)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    items = rows[:limit]
    return DeliveryPage(items, total, encode_cursor(items[-1]) if more and items else None)


def delivery_attempts(db: Session, delivery_id: str) -> list[DeliveryAttempt]:
    """Every attempt at one delivery, first to last."""
    return list(
        db.exec(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery_id)
            .order_by(col(DeliveryAttempt.attempt_number))
        )
    )


@dataclass(frozen=True)
class QueueFigures:
    """How much work is waiting."""

    outbound_by_status: dict[str, int]
    parked_inbound: int


QUEUED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


def queue_figures(db: Session) -> QueueFigures:
    """Unfinished outbound deliveries by status, and parked inbound events."""
    counts = dict(
        db.exec(
            select(OutboundDelivery.status, func.count())
            .where(col(OutboundDelivery.status).in_(QUEUED))
            .group_by(OutboundDelivery.status)
        ).all()
    )
    parked = db.exec(
        select(func.count())
        .select_from(InboundEvent)
        .where(InboundEvent.status == InboundStatus.PARKED)
    ).one()
    return QueueFigures({status: counts.get(status, 0) for status in QUEUED}, parked)
