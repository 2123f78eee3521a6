"""Accepting the runtime's replies into the outbox, with the contract's idempotency rules.

A delivery is keyed by its idempotency key (unique across tenants). Its route and target are
resolved once, when it is first accepted, and stored on the row; a retry of a failed key is
re-sent to that stored target, never re-resolved. "Same payload" compares a hash of the fields
that define the message; `trace_id` and `expect_output_timestamp` are request metadata.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from clawscale.domain.errors import Conflict, NotFound
from clawscale.domain.outbox.routes import resolve_delivery_route
from clawscale.domain.queue.signals import OUTBOX
from clawscale.models import Channel, ChannelStatus, DeliveryRoute, DeliveryStatus, OutboundDelivery
from clawscale.models.base import new_id, utcnow

HASHED_FIELDS = (
    "output_id",
    "customer_id",
    "business_conversation_key",
    "message_type",
    "delivery_mode",
    "text",
    "mediaUrls",
    "audioAsVoice",
    "causal_inbound_event_id",
)
IN_FLIGHT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class Acceptance:
    """The outbox row for a request, and whether an earlier failed attempt was reclaimed."""

    delivery_id: str
    reclaimed: bool


def payload_hash(payload: dict[str, object]) -> str:
    """A stable hash of the message-defining fields of an outbound payload."""
    defining = {name: payload.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(json.dumps(defining, sort_keys=True, default=str).encode()).hexdigest()


def _by_key(db: Session, idempotency_key: str) -> OutboundDelivery | None:
    return db.exec(
        select(OutboundDelivery)
        .where(OutboundDelivery.idempotency_key == idempotency_key)
        .execution_options(populate_existing=True)
    ).first()


def _repeat(db: Session, existing: OutboundDelivery, digest: str) -> Acceptance:
    """The contract's answer to a key seen before; a failed or dead delivery is reclaimed.

    The reclaim is a conditional UPDATE, so of two concurrent retries only one reclaims; the
    other sees the delivery in flight.
    """
    if existing.payload_hash != digest:
        raise Conflict("idempotency_key_conflict", "This key was used for a different payload.")
    if existing.status == DeliveryStatus.SUCCEEDED:
        raise Conflict("duplicate_request", "This delivery was already sent.")
    if existing.status in IN_FLIGHT:
        raise Conflict("duplicate_request_in_progress", "This delivery is queued or being sent.")
    now = utcnow()
    reclaimed = db.exec(
        update(OutboundDelivery)
        .where(
            col(OutboundDelivery.id) == existing.id,
            col(OutboundDelivery.status) == existing.status,
        )
        .values(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            updated_at=now,
            attempts=0 if existing.status == DeliveryStatus.DEAD else existing.attempts,
        )
    )
    if reclaimed.rowcount != 1:
        current = _by_key(db, existing.idempotency_key)
        assert current is not None
        return _repeat(db, current, digest)
    OUTBOX.announce(db)
    return Acceptance(existing.id, reclaimed=True)


ACCEPTED_COLUMNS = (
    "id",
    "idempotency_key",
    "payload",
    "payload_hash",
    "customer_id",
    "business_conversation_key",
    "channel_id",
    "target",
    "provider_context",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
)


@cache
def _accept_statement(dialect: str) -> Any:
    """INSERT ... SELECT of a new delivery from its live route and channel, skipping a key
    already taken, RETURNING its id (and NOTIFYing dispatchers on PostgreSQL): the whole common
    case in one statement. Built once per dialect; the request's values are bound."""
    table = OutboundDelivery.__table__
    route = DeliveryRoute

    def bound(name: str) -> Any:
        return bindparam(name, type_=table.c[name].type)

    source = (
        select(
            bound("id"),
            bound("idempotency_key"),
            bound("payload"),
            bound("payload_hash"),
            route.customer_id,
            route.business_conversation_key,
            route.channel_id,
            route.external_end_user_id,
            route.provider_context,
            bound("status"),
            bound("attempts"),
            bound("next_attempt_at"),
            bound("created_at"),
            bound("updated_at"),
        )
        .join(Channel, col(Channel.id) == route.channel_id)
        .where(
            route.customer_id == bindparam("route_customer_id"),
            route.business_conversation_key == bindparam("route_key"),
            col(route.is_active).is_(True),
            col(Channel.status) != ChannelStatus.ARCHIVED,
        )
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .from_select(list(ACCEPTED_COLUMNS), source)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    return OUTBOX.notify_on_insert(statement) if dialect == "postgresql" else statement


def _insert_from_route(
    db: Session,
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
    digest: str,
) -> str | None:
    """The new delivery's id; None when the route or channel is not live or the key is taken."""
    dialect = db.get_bind().dialect.name
    now = utcnow()
    params = {
        "id": new_id("od"),
        "idempotency_key": idempotency_key,
        "payload": payload,
        "payload_hash": digest,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
        "route_customer_id": customer_id,
        "route_key": business_conversation_key,
    }
    row = db.connection().execute(_accept_statement(dialect), params).first()
    if row is None:
        return None
    OUTBOX.announce(db, notified=dialect == "postgresql")
    return row.id


def accept_delivery(
    db: Session,
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
) -> Acceptance:
    """Store the delivery (or apply the rules for a repeated key); the caller commits.

    The common case, a new key on a live route, is one statement. Otherwise the key's earlier
    delivery gets the repeat rules, or the missing route or channel is reported.
    """
    digest = payload_hash(payload)
    delivery_id = _insert_from_route(
        db, idempotency_key, customer_id, business_conversation_key, payload, digest
    )
    if delivery_id is not None:
        return Acceptance(delivery_id, reclaimed=False)
    existing = _by_key(db, idempotency_key)
    if existing is not None:
        return _repeat(db, existing, digest)
    route = resolve_delivery_route(db, customer_id, business_conversation_key)
    if route is None:
        raise NotFound("missing_delivery_route", "No active route for this conversation.")
    channel = db.get(Channel, route.channel_id)
    if channel is None or channel.status == ChannelStatus.ARCHIVED:
        raise NotFound("channel_not_found", "The conversation's channel no longer exists.")
    # The route came alive between the two statements: accept against it now.
    return accept_delivery(db, idempotency_key, customer_id, business_conversation_key, payload)
