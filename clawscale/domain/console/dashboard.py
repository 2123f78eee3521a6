"""Read helpers of the admin console: the overview's figures and the names shown beside ids.

Every figure is one aggregate query; the day's deliveries are bucketed by hour in SQL (one
`CASE` sum per hour), so the overview costs the same on SQLite and PostgreSQL at any volume.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from clawscale.domain.outbox.queries import queue_figures
from clawscale.models import (
    Agent,
    Channel,
    ChannelScope,
    Customer,
    ExternalIdentity,
    OutboundDelivery,
)
from clawscale.models.base import utcnow

HOURS = 24


@dataclass(frozen=True)
class HourFigure:
    """Deliveries created in one hour, by status."""

    start: datetime
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        """Every delivery of the hour."""
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Overview:
    """The figures of the console's overview, as of `as_of`."""

    as_of: datetime
    customers: int
    channels_by_status: dict[str, int]
    shared_channels: int
    last_hour: dict[str, int]
    last_day: dict[str, int]
    queue_depth: int
    parked_inbound: int
    hours: list[HourFigure]

    @property
    def channels(self) -> int:
        """Every channel, whatever its state."""
        return sum(self.channels_by_status.values())


def channels_by_status(db: Session) -> dict[str, int]:
    """How many channels are in each state (states without channels left out)."""
    rows = db.exec(select(Channel.status, func.count()).group_by(Channel.status)).all()
    return {str(status): number for status, number in rows}


def in_hour(created: sa.ColumnElement[datetime], start: datetime, end: datetime | None) -> object:
    """Whether `created` falls in [start, end); the last hour has no end (it includes now)."""
    return created >= start if end is None else sa.and_(created >= start, created < end)


def hourly_deliveries(db: Session, now: datetime, hours: int = HOURS) -> list[HourFigure]:
    """Deliveries created in each of the last `hours` hours (the last one ends at `now`),
    oldest first, by status."""
    starts = [now - timedelta(hours=hours - index) for index in range(hours)]
    created = col(OutboundDelivery.created_at)
    ends = [*starts[1:], None]
    buckets = [
        func.sum(sa.case((in_hour(created, start, end), 1), else_=0))
        for start, end in zip(starts, ends, strict=True)
    ]
    rows = db.exec(
        select(OutboundDelivery.status, *buckets)
        .where(created >= starts[0])
        .group_by(OutboundDelivery.status)
    ).all()
    figures = [HourFigure(start, {}) for start in starts]
    for status, *counts in rows:
        for figure, count in zip(figures, counts, strict=True):
            if count:
                figure.by_status[str(status)] = int(count)
    return figures


def _sum_statuses(hours: Iterable[HourFigure]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for hour in hours:
        for status, number in hour.by_status.items():
            totals[status] = totals.get(status, 0) + number
    return totals


def overview(db: Session, now: datetime | None = None) -> Overview:
    """Everything the overview shows, read in one transaction."""
    moment = now or utcnow()
    hours = hourly_deliveries(db, moment)
    queue = queue_figures(db)
    shared = db.exec(
        select(func.count()).select_from(Channel).where(Channel.scope == ChannelScope.SHARED)
    ).one()
    return Overview(
        as_of=moment,
        customers=db.exec(select(func.count()).select_from(Customer)).one(),
        channels_by_status=channels_by_status(db),
        shared_channels=shared,
        last_hour=dict(hours[-1].by_status),
        last_day=_sum_statuses(hours),
        queue_depth=sum(queue.outbound_by_status.values()),
        parked_inbound=queue.parked_inbound,
        hours=hours,
    )


def customer_names(db: Session, ids: Iterable[str]) -> dict[str, str]:
    """The display names of these customers, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.exec(
        select(Customer.id, Customer.display_name).where(col(Customer.id).in_(wanted))
    ).all()
    return dict(rows)


def channel_labels(db: Session, ids: Iterable[str]) -> dict[str, str]:
    """A short label of each of these channels (its name, else its kind), by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.exec(
        select(Channel.id, Channel.name, Channel.kind).where(col(Channel.id).in_(wanted))
    ).all()
    return {channel_id: name or kind for channel_id, name, kind in rows}


@dataclass(frozen=True)
class CustomerLinks:
    """What a customer's detail lists beyond its row: the external identities it was seen
    with and its personal channels, oldest first."""

    identities: list[ExternalIdentity]
    channels: list[Channel]


def customer_links(db: Session, customer_id: str) -> CustomerLinks:
    """The external identities and personal channels of one customer."""
    identities = db.exec(
        select(ExternalIdentity)
        .where(ExternalIdentity.customer_id == customer_id)
        .order_by(col(ExternalIdentity.first_seen_at), col(ExternalIdentity.id))
    ).all()
    channels = db.exec(
        select(Channel)
        .where(Channel.owner_customer_id == customer_id)
        .order_by(col(Channel.created_at), col(Channel.id))
    ).all()
    return CustomerLinks(list(identities), list(channels))


def channel_kinds(db: Session) -> list[str]:
    """Every channel kind in use, alphabetically (the channels page filters by them)."""
    return sorted(db.exec(select(Channel.kind).distinct()).all())


def agent_names(db: Session, ids: Iterable[str]) -> dict[str, str]:
    """The names of these agents, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(db.exec(select(Agent.id, Agent.name).where(col(Agent.id).in_(wanted))).all())
