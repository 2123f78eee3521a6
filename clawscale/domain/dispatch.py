"""Sending outbox rows: claiming them under a lease, one attempt each, and what follows.

A row is claimed by a conditional UPDATE (on PostgreSQL after `FOR UPDATE SKIP LOCKED`), so two
processes never hold one row; a process that dies mid-send leaves a lease that expires, and the
row becomes due again. Only the oldest unfinished delivery of a conversation is ever due, so a
conversation's messages go out in acceptance order. Transient failures are retried with
exponential backoff and jitter up to MAX_ATTEMPTS, then the row is `dead`.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, exists, func, insert, select, tuple_, update

from clawscale.channels.base import MessageType, OutboundMessage, SendTarget
from clawscale.domain import leases
from clawscale.domain.channel_store import ChannelCredentials, channel_credentials
from clawscale.models import Channel, DeliveryAttempt, DeliveryStatus, OutboundDelivery
from clawscale.models.base import UTCDateTime, new_id, utcnow
from clawscale.settings import Settings

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class SendJob:
    """Everything one send attempt needs, read from the database before any I/O."""

    delivery_id: str
    idempotency_key: str
    credentials: ChannelCredentials
    target: SendTarget
    message: OutboundMessage


def _conversation_head() -> Any:
    """SQL condition: no earlier delivery of the same conversation is unfinished."""
    earlier = aliased(OutboundDelivery)
    return ~exists().where(
        earlier.customer_id == OutboundDelivery.customer_id,
        earlier.business_conversation_key == OutboundDelivery.business_conversation_key,
        col(earlier.status).in_(UNFINISHED),
        tuple_(earlier.created_at, earlier.id)
        < tuple_(OutboundDelivery.created_at, OutboundDelivery.id),
    )


CONVERSATION_HEAD = _conversation_head()
CLAIM = leases.lease_statement(
    OutboundDelivery,
    col(OutboundDelivery.status).in_(CLAIMABLE),
    CONVERSATION_HEAD,
    status=DeliveryStatus.SENDING,
    attempts=OutboundDelivery.attempts + 1,
)


def _take(db: Session, delivery_id: str, worker_id: str, lease: timedelta) -> bool:
    return leases.take(db, CLAIM, delivery_id, worker_id, lease)


def claim_delivery(db: Session, delivery_id: str, worker_id: str, lease: timedelta = LEASE) -> bool:
    """Take one delivery for sending if it is due and first in its conversation."""
    return _take(db, delivery_id, worker_id, lease)


def claim_due_deliveries(
    db: Session, worker_id: str, limit: int, lease: timedelta = LEASE
) -> list[str]:
    """Take up to `limit` due deliveries (at most one per conversation), oldest first."""
    candidates = db.exec(
        select(OutboundDelivery.id)
        .where(
            col(OutboundDelivery.status).in_(CLAIMABLE),
            *leases.due_and_free(OutboundDelivery),
            CONVERSATION_HEAD,
        )
        .order_by(col(OutboundDelivery.created_at), col(OutboundDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [delivery_id for delivery_id in candidates if _take(db, delivery_id, worker_id, lease)]


def _message(payload: dict[str, object]) -> OutboundMessage:
    media = payload.get("mediaUrls") or []
    return OutboundMessage(
        message_type=MessageType(str(payload.get("message_type", "text"))),
        text=str(payload.get("text") or ""),
        media_urls=tuple(str(url) for url in media) if isinstance(media, list) else (),
        audio_as_voice=bool(payload.get("audioAsVoice")),
    )


def send_job_for(settings: Settings, delivery: OutboundDelivery, channel: Channel) -> SendJob:
    """The job for a delivery whose row and channel are at hand."""
    return SendJob(
        delivery_id=delivery.id,
        idempotency_key=delivery.idempotency_key,
        credentials=channel_credentials(settings, channel),
        target=SendTarget(delivery.target, dict(delivery.provider_context)),
        message=_message(delivery.payload),
    )


def load_send_job(db: Session, settings: Settings, delivery_id: str) -> SendJob | None:
    """The job for a claimed delivery; None when its channel is gone (the row is then dead)."""
    delivery = db.get(OutboundDelivery, delivery_id, populate_existing=True)
    assert delivery is not None
    channel = db.get(Channel, delivery.channel_id)
    if channel is None:
        return None
    return send_job_for(settings, delivery, channel)


NOW = bindparam("now", type_=UTCDateTime())
NEXT_ATTEMPT_NUMBER = (
    select(func.coalesce(func.max(DeliveryAttempt.attempt_number), 0) + 1)
    .where(DeliveryAttempt.delivery_id == bindparam("delivery_id"))
    .scalar_subquery()
)
RECORD_ATTEMPT = insert(DeliveryAttempt).values(
    id=bindparam("attempt_id"),
    delivery_id=bindparam("delivery_id"),
    attempt_number=NEXT_ATTEMPT_NUMBER,
    started_at=NOW,
    finished_at=NOW,
    succeeded=bindparam("succeeded"),
    provider_message_id=bindparam("provider_message_id"),
    error=bindparam("error"),
)
MARK_SENT = (
    update(OutboundDelivery)
    .where(
        col(OutboundDelivery.id) == bindparam("delivery_id"),
        OutboundDelivery.lease_owner == bindparam("worker_id"),
    )
    .values(
        status=DeliveryStatus.SUCCEEDED,
        provider_message_id=bindparam("provider_message_id"),
        error=None,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=NOW,
    )
    .returning(OutboundDelivery.id)
    .execution_options(synchronize_session=False)
)


def _record_attempt(
    db: Session,
    delivery_id: str,
    *,
    succeeded: bool,
    provider_message_id: str | None = None,
    error: str | None = None,
) -> None:
    """One attempt row, numbered after the delivery's earlier attempts, in one statement."""
    params = {
        "attempt_id": new_id("da"),
        "delivery_id": delivery_id,
        "now": utcnow(),
        "succeeded": succeeded,
        "provider_message_id": provider_message_id,
        "error": error,
    }
    db.exec(RECORD_ATTEMPT, params=params)


def record_success(
    db: Session, delivery_id: str, worker_id: str, provider_message_id: str
) -> DeliveryStatus | None:
    """The delivery went out; None when this worker no longer holds it (two statements)."""
    params = {
        "delivery_id": delivery_id,
        "worker_id": worker_id,
        "provider_message_id": provider_message_id or None,
        "now": utcnow(),
    }
    if db.exec(MARK_SENT, params=params).first() is None:
        return None
    _record_attempt(db, delivery_id, succeeded=True, provider_message_id=provider_message_id)
    return DeliveryStatus.SUCCEEDED


def record_failure(
    db: Session,
    delivery_id: str,
    worker_id: str,
    error: str,
    *,
    transient: bool,
    retry_after: float | None = None,
) -> DeliveryStatus | None:
    """The attempt failed: retry later (`failed`) or give up (`dead`)."""
    delivery = leases.held(db, OutboundDelivery, delivery_id, worker_id)
    if delivery is None:
        return None
    if transient and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = utcnow() + timedelta(
            seconds=leases.backoff_seconds(delivery.attempts, retry_after)
        )
    else:
        delivery.status = DeliveryStatus.DEAD
    delivery.error = error
    leases.release(db, delivery)
    _record_attempt(db, delivery.id, succeeded=False, error=error)
    return delivery.status


def retry_dead_delivery(db: Session, delivery_id: str) -> OutboundDelivery | None:
    """An admin's retry: a dead delivery becomes due now with a fresh attempt budget."""
    delivery = db.get(OutboundDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.DEAD:
        return None
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.updated_at = utcnow()
    db.add(delivery)
    db.flush()
    return delivery
