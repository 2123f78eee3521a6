"""Accepting the runtime's replies into the outbox, with the contract's idempotency rules.

A delivery is keyed by its idempotency key (unique across tenants). Its route and target are
resolved once, when it is first accepted, and stored on the row; a retry of a failed key is
re-sent to that stored target, never re-resolved. "Same payload" compares a hash of the fields
that define the message; `trace_id` and `expect_output_timestamp` are request metadata.
"""

import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Session, col, select, update

from clawscale.db import insert_unless_exists
from clawscale.domain.errors import Conflict, NotFound
from clawscale.domain.routing import resolve_delivery_route
from clawscale.models import Channel, ChannelStatus, DeliveryStatus, OutboundDelivery
from clawscale.models.base import utcnow

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

    delivery: OutboundDelivery
    reclaimed: bool

    @property
    def delivery_id(self) -> str:
        """The outbox row's id."""
        return self.delivery.id


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
        raise Conflict("duplicate_request_in_progress", "This delivery is being sent.")
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
    current = _by_key(db, existing.idempotency_key)
    assert current is not None
    if reclaimed.rowcount != 1:
        return _repeat(db, current, digest)
    return Acceptance(current, reclaimed=True)


def accept_delivery(
    db: Session,
    idempotency_key: str,
    customer_id: str,
    business_conversation_key: str,
    payload: dict[str, object],
) -> Acceptance:
    """Store the delivery (or apply the rules for a repeated key); the caller commits.

    The common case, a new key on a live route, costs three statements: the route, the channel
    and an INSERT that skips a key already taken (then the repeat rules apply).
    """
    digest = payload_hash(payload)
    route = resolve_delivery_route(db, customer_id, business_conversation_key)
    channel = db.get(Channel, route.channel_id) if route is not None else None
    if route is None or channel is None or channel.status == ChannelStatus.ARCHIVED:
        existing = _by_key(db, idempotency_key)
        if existing is not None:
            return _repeat(db, existing, digest)
        if route is None:
            raise NotFound("missing_delivery_route", "No active route for this conversation.")
        raise NotFound("channel_not_found", "The conversation's channel no longer exists.")
    delivery = OutboundDelivery(
        idempotency_key=idempotency_key,
        payload=payload,
        payload_hash=digest,
        customer_id=customer_id,
        business_conversation_key=business_conversation_key,
        channel_id=channel.id,
        target=route.external_end_user_id,
        provider_context=dict(route.provider_context),
        next_attempt_at=utcnow(),
    )
    if insert_unless_exists(db, delivery):
        return Acceptance(delivery, reclaimed=False)
    existing = _by_key(db, idempotency_key)
    assert existing is not None, "the insert clashed with this key"
    return _repeat(db, existing, digest)
