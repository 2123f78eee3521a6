"""The one inbound path for every channel kind: `route_inbound_message`.

The event is deduplicated by (channel, provider message id), so a provider's redelivery is
acknowledged and goes nowhere. A new event is stored in the caller's transaction with its place
(`inbound.placement`): `received`, due to be forwarded to the runtime after commit, when the
customer's binding is `ready`, else `parked` until it is.

A sender whose rows are all in place, the usual case, costs two statements, each built once and
run with bound parameters: a SELECT that reads the place and answers the dedupe question, and
the INSERT of the event (ON CONFLICT DO NOTHING, so a concurrent redelivery is still stored
once). The SELECT is shared: messages about to be routed in one transaction (a group commit's
webhooks, a WeChat poll's batch) are announced with `expect_messages`, and the first of them
routed reads what is stored about all of them at once (the messages bound as one JSON array, a
table in the statement); a sender's next message in the same transaction reads its rows again,
as the one before may have changed them. It also reads each message's channel as stored, which
confirms a channel the transaction took from a cache (`channel_cache.confirm_channels`). The
INSERT is shared too: `stage_inbound_message` routes a message up to its event, and
`store_staged_messages` stores the events the transaction staged in one statement (a group
commit's webhooks store theirs once all are staged). Anything else (a new sender, a moved or
inactive route, a missing binding) is placed by `place_message`, in a savepoint. The sender's
and the channel's last-seen times are written at most once per ACTIVITY_RESOLUTION.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select, update

from clawscale.bound_rows import BoundRows
from clawscale.channels.base import InboundMessage
from clawscale.db import execute_core, insert_rows_unless_exist, transaction_memo
from clawscale.domain.accounts.identities import identity_type_for_provider, normalise_identity
from clawscale.domain.errors import DomainError
from clawscale.domain.inbound.channel_cache import CHANNEL_STATE, confirm_channels
from clawscale.domain.inbound.placement import (
    CONVERSATION_KEY_SQL,
    Placement,
    confirm_parking,
    first_status,
    place_message,
)
from clawscale.domain.queue.signals import INBOUND
from clawscale.domain.runtime.agents import own_agent_id
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    ChannelScope,
    Conversation,
    DeliveryRoute,
    EndUser,
    ExternalIdentity,
    InboundEvent,
    InboundStatus,
)
from clawscale.models.base import UTCDateTime, new_id, utcnow
from clawscale.models.messages import INBOUND_EVENT_ID_PREFIX

ACTIVITY_RESOLUTION = timedelta(minutes=1)
"""How stale a channel's `last_activity_at` or a sender's `last_seen_at` may get before a message
rewrites it (pages show both to the minute). Writing them for every message would cost a
statement each and queue a busy shared channel's webhooks on the lock of its one row."""
NOTIFY_RECEIVED = INBOUND.notifying_insert("status", InboundStatus.RECEIVED)
"""The event INSERT's wrapper on PostgreSQL: NOTIFY in the same statement when it stores a due
event (one a parked or blocked message makes is not due)."""


@dataclass(frozen=True)
class InboundOutcome:
    """The stored event's id, and whether it had been stored before (a redelivery)."""

    event_id: str
    duplicate: bool


STORED_EVENT = select(InboundEvent.id).where(
    InboundEvent.channel_id == sa.bindparam("channel_id"),
    InboundEvent.provider_message_id == sa.bindparam("provider_message_id"),
)


class Lookup(NamedTuple):
    """What `known_senders_statement` looks a message up by (a personal channel's owner is its
    customer)."""

    channel_id: str
    provider_message_id: str
    owner_customer_id: str | None
    provider: str
    identity_type: str
    identity_value: str
    sender_id: str


LOOKUPS = BoundRows(
    "lookup", (("position", sa.Integer()), *((name, sa.String()) for name in Lookup._fields))
)
"""The messages looked up, with their `position`, bound as one parameter."""


@cache
def known_senders_statement(dialect: str) -> Any:
    """The SELECT behind `_known_senders`: a row a message (by `position`), its columns NULL
    for whatever is missing, and its channel's `CHANNEL_STATE` (which confirms a channel the
    transaction assumed: `channel_cache`)."""
    lookup = LOOKUPS.table(dialect)
    customer_id = sa.func.coalesce(lookup.c.owner_customer_id, ExternalIdentity.customer_id)
    stored_event = (
        select(InboundEvent.id)
        .where(
            InboundEvent.channel_id == lookup.c.channel_id,
            InboundEvent.provider_message_id == lookup.c.provider_message_id,
        )
        .scalar_subquery()
    )
    return (
        select(
            lookup.c.position,
            stored_event.label("event_id"),
            col(ExternalIdentity.id).label("identity_id"),
            col(ExternalIdentity.last_seen_at).label("last_seen_at"),
            customer_id.label("customer_id"),
            col(EndUser.id).label("end_user_id"),
            col(EndUser.external_id).label("external_id"),
            col(EndUser.blocked).label("blocked"),
            col(Conversation.id).label("conversation_id"),
            col(DeliveryRoute.channel_id).label("route_channel_id"),
            col(DeliveryRoute.end_user_id).label("route_end_user_id"),
            col(DeliveryRoute.external_end_user_id).label("route_external_id"),
            col(DeliveryRoute.provider_context).label("route_context"),
            col(DeliveryRoute.is_active).label("route_active"),
            col(AgentBinding.provision_status).label("binding_status"),
            sa.exists().where(col(Agent.is_default)).label("default_agent"),
            *CHANNEL_STATE,
        )
        .select_from(lookup)
        .join(Channel, Channel.id == lookup.c.channel_id)
        .outerjoin(
            ExternalIdentity,
            sa.and_(
                ExternalIdentity.provider == lookup.c.provider,
                ExternalIdentity.identity_type == lookup.c.identity_type,
                ExternalIdentity.identity_value == lookup.c.identity_value,
            ),
        )
        .outerjoin(
            EndUser,
            sa.and_(EndUser.channel_id == Channel.id, EndUser.external_id == lookup.c.sender_id),
        )
        .outerjoin(
            Conversation,
            sa.and_(Conversation.channel_id == Channel.id, Conversation.end_user_id == EndUser.id),
        )
        .outerjoin(AgentBinding, AgentBinding.customer_id == customer_id)
        .outerjoin(
            DeliveryRoute,
            sa.and_(
                DeliveryRoute.customer_id == customer_id,
                DeliveryRoute.business_conversation_key == CONVERSATION_KEY_SQL,
            ),
        )
    )


NOW = sa.bindparam("now", type_=UTCDateTime())
STALE_BEFORE = sa.bindparam("stale_before", type_=UTCDateTime())


def _touch_statement(seen_at: Any) -> Any:
    """The UPDATE setting the time column `seen_at` of one row (`row_id`) to now, unless it is
    within ACTIVITY_RESOLUTION of now already (a concurrent message may have set it)."""
    table = seen_at.table
    return (
        update(table)
        .where(
            table.c.id == sa.bindparam("row_id"),
            sa.or_(seen_at.is_(None), seen_at < STALE_BEFORE),
        )
        .values({seen_at.key: NOW})
    )


TOUCH_IDENTITY = _touch_statement(col(ExternalIdentity.last_seen_at))
TOUCH_CHANNEL = _touch_statement(col(Channel.last_activity_at))


def _message_payload(message: InboundMessage) -> dict[str, object]:
    return {
        "text": message.text,
        "attachments": list(message.attachments),
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "provider_context": dict(message.provider_context),
    }


@dataclass
class _KnownSenders:
    """A transaction's reads of what is stored about its messages: the lookups expected (read
    together when the first of them is needed), the rows read and not used yet, and the senders
    whose rows a message has used (their next message reads them again: the first may have
    changed them)."""

    expected: dict[Lookup, None] = field(default_factory=dict)
    read: dict[Lookup, Any] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)


KNOWN_SENDERS = "inbound.known_senders"


def message_lookup(channel: Channel, message: InboundMessage) -> Lookup:
    key = normalise_identity(
        channel.kind, identity_type_for_provider(channel.kind), message.sender_id
    )
    personal = channel.scope == ChannelScope.PERSONAL
    return Lookup(
        channel_id=channel.id,
        provider_message_id=message.provider_message_id,
        owner_customer_id=channel.owner_customer_id if personal else None,
        provider=key.provider,
        identity_type=key.identity_type,
        identity_value=key.value,
        sender_id=message.sender_id,
    )


def _known_senders(db: Session, lookups: list[Lookup]) -> list[Any]:
    """What is stored about each looked-up message and its sender, in one statement."""
    rows = [{"position": position, **lookup._asdict()} for position, lookup in enumerate(lookups)]
    dialect = db.get_bind().dialect
    statement = known_senders_statement(dialect.name)
    found = execute_core(db, statement, LOOKUPS.params(rows, dialect)).all()
    confirm_channels(db, (lookup.channel_id for lookup in lookups), found)
    by_position = {int(row.position): row for row in found}
    return [by_position[position] for position in range(len(lookups))]


def expect_messages(db: Session, channel: Channel, messages: Sequence[InboundMessage]) -> None:
    """Say that `messages` of `channel` are about to be routed in `db`'s transaction: the first
    of them routed reads what is stored about all of them, in one statement."""
    expected = transaction_memo(db, KNOWN_SENDERS, _KnownSenders).expected
    for message in messages:
        try:
            expected[message_lookup(channel, _cleaned(message))] = None
        except DomainError:
            continue  # routing it raises the error again, and skips it


def _known_sender(db: Session, channel: Channel, message: InboundMessage) -> Any:
    """What is already stored about the message and its sender: read with the other messages
    expected in this transaction (`expect_messages`), or alone."""
    lookup = message_lookup(channel, message)
    memo = transaction_memo(db, KNOWN_SENDERS, _KnownSenders)
    sender = (lookup.channel_id, lookup.sender_id)
    seen_before = sender in memo.used
    memo.used.add(sender)
    if not seen_before and lookup in memo.expected and lookup not in memo.read:
        pending = list(memo.expected)
        memo.read.update(zip(pending, _known_senders(db, pending), strict=True))
        memo.expected.clear()
    if seen_before or lookup not in memo.read:
        return _known_senders(db, [lookup])[0]
    return memo.read.pop(lookup)


def _route_in_place(known: Any, channel: Channel, message: InboundMessage) -> bool:
    """Whether the stored route is active and already as `upsert_delivery_route` would leave
    it (same target; the message's provider context, if any, already stored)."""
    return bool(
        known.route_active
        and (known.route_channel_id, known.route_end_user_id, known.route_external_id)
        == (channel.id, known.end_user_id, known.external_id)
        and (not message.provider_context or known.route_context == message.provider_context)
    )


def _placement_in_place(known: Any, channel: Channel, message: InboundMessage) -> Placement | None:
    """The placement when every row it needs is in place (nothing to write), else None."""
    complete = known.identity_id and known.end_user_id and known.conversation_id
    if not complete or not _route_in_place(known, channel, message):
        return None
    has_agent = own_agent_id(channel) is not None or bool(known.default_agent)
    if has_agent and not known.blocked and known.binding_status is None:
        return None  # the binding is still to be made
    status, error = first_status(bool(known.blocked), has_agent, known.binding_status)
    return Placement(known.customer_id, known.end_user_id, known.conversation_id, status, error)


def _stored(db: Session, channel_id: str, provider_message_id: str) -> str:
    params = {"channel_id": channel_id, "provider_message_id": provider_message_id}
    return execute_core(db, STORED_EVENT, params).scalar_one()


def _touch(
    db: Session, statement: Any, row_id: str, seen_at: datetime | None, now: datetime
) -> bool:
    """Set a last-seen time to `now` with a `_touch_statement` when `seen_at` (as read) is
    older than ACTIVITY_RESOLUTION; whether it was stale."""
    stale_before = now - ACTIVITY_RESOLUTION
    if seen_at is not None and seen_at >= stale_before:
        return False
    execute_core(db, statement, {"row_id": row_id, "now": now, "stale_before": stale_before})
    return True


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def _cleaned(message: InboundMessage) -> InboundMessage:
    """The message without NUL characters, which PostgreSQL text cannot hold."""
    return replace(
        message,
        provider_message_id=_without_nul(message.provider_message_id),
        sender_id=_without_nul(message.sender_id),
        sender_name=_without_nul(message.sender_name),
        text=_without_nul(message.text),
    )


@dataclass
class StagedMessage:
    """A message routed in this transaction: its event's id and whether it had been stored
    before, known at once for a redelivery the lookup saw, else once the transaction's staged
    events are stored (`store_staged_messages`)."""

    channel_id: str
    provider_message_id: str
    event_id: str
    duplicate: bool | None = None

    def outcome(self) -> InboundOutcome:
        """What became of the message (after `store_staged_messages`)."""
        if self.duplicate is None:
            raise RuntimeError("the message's event is staged, not stored yet")
        return InboundOutcome(self.event_id, self.duplicate)


@dataclass
class _Staged:
    """The events a transaction has staged and not stored yet, with their messages."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    messages: list[StagedMessage] = field(default_factory=list)


STAGED = "inbound.staged"


def stage_inbound_message(db: Session, channel: Channel, message: InboundMessage) -> StagedMessage:
    """Route one inbound message in `db`'s transaction up to its event, which is staged and
    stored with the transaction's other staged events by `store_staged_messages` (a redelivery
    the lookup sees stages nothing). The caller stores, commits, then acknowledges.

    NUL characters, which PostgreSQL text cannot hold, are dropped from the message first. A
    DomainError (an unusable sender id) leaves nothing of the message behind.
    """
    message = _cleaned(message)
    known = _known_sender(db, channel, message)
    staged = StagedMessage(channel.id, message.provider_message_id, new_id(INBOUND_EVENT_ID_PREFIX))
    if known.event_id is not None:
        staged.event_id, staged.duplicate = known.event_id, True
        return staged
    placement = _placement_in_place(known, channel, message)
    in_place = placement is not None
    if placement is None:
        with db.begin_nested():
            placement = place_message(db, channel, message)
    placement = confirm_parking(db, placement)
    now = utcnow()
    event = {
        "id": staged.event_id,
        "channel_id": channel.id,
        "provider_message_id": message.provider_message_id,
        "customer_id": placement.customer_id,
        "end_user_id": placement.end_user_id,
        "conversation_id": placement.conversation_id,
        "payload": _message_payload(message),
        "status": placement.status,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": placement.last_error,
        "created_at": now,
        "updated_at": now,
    }
    if in_place:  # `place_message` records the sighting itself
        _touch(db, TOUCH_IDENTITY, known.identity_id, known.last_seen_at, now)
    if _touch(db, TOUCH_CHANNEL, channel.id, channel.last_activity_at, now):
        set_committed_value(channel, "last_activity_at", now)
    pending = transaction_memo(db, STAGED, _Staged)
    pending.rows.append(event)
    pending.messages.append(staged)
    return staged


def store_staged_messages(db: Session) -> None:
    """Store the events staged in `db`'s transaction, in one INSERT (ON CONFLICT DO NOTHING:
    an event a concurrent transaction, or an earlier message of this one, stored first makes
    its message a redelivery of that one) that NOTIFYs the inbound workers when it inserts any
    due event (PostgreSQL); nothing when none is staged."""
    pending = transaction_memo(db, STAGED, _Staged)
    if not pending.rows:
        return
    rows, messages = pending.rows, pending.messages
    pending.rows, pending.messages = [], []
    on_postgresql = db.get_bind().dialect.name == "postgresql"
    notifying = NOTIFY_RECEIVED if on_postgresql else None
    inserted = insert_rows_unless_exist(db, InboundEvent.__table__, rows, notifying)
    for staged in messages:
        staged.duplicate = staged.event_id not in inserted
        if staged.duplicate:
            staged.event_id = _stored(db, staged.channel_id, staged.provider_message_id)
    if any(row["status"] == InboundStatus.RECEIVED and row["id"] in inserted for row in rows):
        INBOUND.announce(db, notified=on_postgresql)


def route_inbound_message(db: Session, channel: Channel, message: InboundMessage) -> InboundOutcome:
    """Store and route one inbound message (`stage_inbound_message`, then
    `store_staged_messages`); the caller commits, then acknowledges the provider."""
    staged = stage_inbound_message(db, channel, message)
    store_staged_messages(db)
    return staged.outcome()
