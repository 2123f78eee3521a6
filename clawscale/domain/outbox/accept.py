"""Accepting the runtime's replies into the outbox, with the contract's idempotency rules.

A delivery is keyed by its idempotency key (unique across tenants). Its route and target are
resolved once, when it is first accepted, and stored on the row; a retry of a failed key is
re-sent to that stored target, never re-resolved. "Same payload" compares a hash of the fields
that define the message; `trace_id` and `expect_output_timestamp` are request metadata.
"""

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import String, and_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from clawscale.bound_rows import BoundRows
from clawscale.db import execute_core, transaction_memo
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
_REQUEST_COLUMNS = (
    "id",
    "idempotency_key",
    "payload",
    "payload_hash",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
)
REPLIES = BoundRows(
    "reply",
    (
        *((name, OutboundDelivery.__table__.c[name].type) for name in _REQUEST_COLUMNS),
        ("route_customer_id", String()),
        ("route_key", String()),
    ),
)
"""The replies accepted together: each new delivery's own values and the route it names."""


@cache
def _accept_statement(dialect: str) -> Any:
    """INSERT ... SELECT of new deliveries from their live routes and channels, skipping keys
    already taken, RETURNING their ids (and NOTIFYing dispatchers on PostgreSQL): the whole
    common case in one statement, for one reply or many (`REPLIES`). Built once per dialect."""
    table = OutboundDelivery.__table__
    route = DeliveryRoute
    reply = REPLIES.table(dialect)
    source = (
        select(
            reply.c.id,
            reply.c.idempotency_key,
            reply.c.payload,
            reply.c.payload_hash,
            route.customer_id,
            route.business_conversation_key,
            route.channel_id,
            route.external_end_user_id,
            route.provider_context,
            reply.c.status,
            reply.c.attempts,
            reply.c.next_attempt_at,
            reply.c.created_at,
            reply.c.updated_at,
        )
        .select_from(reply)
        .join(
            route,
            and_(
                route.customer_id == reply.c.route_customer_id,
                route.business_conversation_key == reply.c.route_key,
                col(route.is_active).is_(True),
            ),
        )
        .join(Channel, col(Channel.id) == route.channel_id)
        .where(col(Channel.status) != ChannelStatus.ARCHIVED)
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .from_select(list(ACCEPTED_COLUMNS), source)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    return OUTBOX.notifying_insert()(statement) if dialect == "postgresql" else statement


def _new_delivery(
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
    digest: str,
) -> dict[str, Any]:
    now = utcnow()
    return {
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


def _insert_from_routes(db: Session, deliveries: list[dict[str, Any]]) -> set[str]:
    """The ids of the new deliveries that went in: those whose route and channel are live and
    whose key is free (of two with one key, the first)."""
    dialect = db.get_bind().dialect
    params = REPLIES.params(deliveries, dialect)
    inserted = {row.id for row in execute_core(db, _accept_statement(dialect.name), params)}
    if inserted:
        OUTBOX.announce(db, notified=dialect.name == "postgresql")
    return inserted


@dataclass
class _Announced:
    """A transaction's announced replies: by key, those not tried yet and those tried (until
    their acceptance reads them), and the ids that went in."""

    untried: dict[str, dict[str, Any]] = field(default_factory=dict)
    tried: dict[str, dict[str, Any]] = field(default_factory=dict)
    inserted: set[str] = field(default_factory=set)


ANNOUNCED = "outbox.announced_replies"


def announce_delivery(
    db: Session,
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
) -> None:
    """Say that this reply is about to be accepted in `db`'s transaction: the first acceptance
    of the replies announced inserts all of them, in one statement."""
    announced = transaction_memo(db, ANNOUNCED, _Announced)
    digest = payload_hash(payload)
    delivery = _new_delivery(
        idempotency_key, customer_id, business_conversation_key, payload, digest
    )
    announced.untried.setdefault(idempotency_key, delivery)


def _accepted_together(db: Session, idempotency_key: str, digest: str) -> str | None:
    """The id of the delivery announced for this key and payload in this transaction, if it
    went in (the replies announced and not tried yet are inserted first); None when none was
    announced or it did not go in (the rules then run as for a reply alone)."""
    announced = transaction_memo(db, ANNOUNCED, _Announced)
    if idempotency_key in announced.untried:
        batch, announced.untried = announced.untried, {}
        announced.inserted |= _insert_from_routes(db, list(batch.values()))
        announced.tried.update(batch)
    delivery = announced.tried.pop(idempotency_key, None)
    if delivery is None or delivery["payload_hash"] != digest:
        return None
    return delivery["id"] if delivery["id"] in announced.inserted else None


def accept_delivery(
    db: Session,
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
) -> Acceptance:
    """Store the delivery (or apply the rules for a repeated key); the caller commits.

    The common case, a new key on a live route, is one statement, shared by the replies
    announced in the transaction (`announce_delivery`). Otherwise the key's earlier delivery
    gets the repeat rules, or the missing route or channel is reported.
    """
    digest = payload_hash(payload)
    delivery_id = _accepted_together(db, idempotency_key, digest)
    if delivery_id is None:
        alone = _new_delivery(
            idempotency_key, customer_id, business_conversation_key, payload, digest
        )
        delivery_id = next(iter(_insert_from_routes(db, [alone])), None)
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


@dataclass(frozen=True)
class DeliveryAcceptance:
    """`accept_delivery` as a group-commit work: its `prepare` announces the reply, so that
    the replies of one group go in with one statement."""

    idempotency_key: str
    customer_id: str
    business_conversation_key: str
    payload: dict[str, object]

    def prepare(self, db: Session) -> None:
        announce_delivery(
            db, self.idempotency_key, self.customer_id, self.business_conversation_key, self.payload
        )

    def __call__(self, db: Session) -> Acceptance:
        return accept_delivery(
            db, self.idempotency_key, self.customer_id, self.business_conversation_key, self.payload
        )
