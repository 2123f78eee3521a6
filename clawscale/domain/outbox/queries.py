"""The outbox for operators: filtered lists with keyset pagination, and a delivery's attempts.

A list is ordered by (created_at, id), newest or oldest first (`DELIVERY_SORTS` has the one
key), so every page, at any depth, is a range scan of a `(…, created_at, id)` index.
"""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select, tuple_

from clawscale.domain.sorting import Sort, is_known
from clawscale.models import (
    DeliveryAttempt,
    DeliveryStatus,
    InboundEvent,
    InboundStatus,
    OutboundDelivery,
)

FAILURES = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
CREATED = "created"
DELIVERY_SORTS = {CREATED: col(OutboundDelivery.created_at)}


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
    """One page with the cursor of the next page (None at the end)."""

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


def newest_first(sort: Sort | None) -> bool:
    """Whether `sort` lists the newest deliveries first: the default, and for any unknown key."""
    return not is_known(sort, DELIVERY_SORTS) or bool(sort and sort.descending)


def list_deliveries(
    db: Session,
    selection: DeliveryFilter,
    limit: int,
    *,
    after: tuple[datetime, str] | None = None,
    offset: int = 0,
    sort: Sort | None = None,
    count_up_to: int | None = None,
) -> DeliveryPage:
    """Newest first unless `sort` asks for the oldest; `after` (keyset, fast at any depth, a
    cursor of the same order) or `offset` (the contract's paging).

    The total is exact unless `count_up_to` caps it: counting a million rows costs more than
    the page, so a caller that only shows "more than N" stops at N + 1."""
    conditions = _conditions(selection)
    matching = select(OutboundDelivery.id).where(*conditions)
    if count_up_to is not None:
        matching = matching.limit(count_up_to + 1)
    total = db.exec(select(func.count()).select_from(matching.subquery())).one()
    query = select(OutboundDelivery).where(*conditions)
    position = tuple_(OutboundDelivery.created_at, OutboundDelivery.id)
    created, delivery_id = col(OutboundDelivery.created_at), col(OutboundDelivery.id)
    if newest_first(sort):
        order = (created.desc(), delivery_id.desc())
        if after is not None:
            query = query.where(position < tuple_(*after))
    else:
        order = (created.asc(), delivery_id.asc())
        if after is not None:
            query = query.where(position > tuple_(*after))
    rows = list(
        db.exec(query.order_by(*order).offset(offset if after is None else 0).limit(limit + 1))
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
