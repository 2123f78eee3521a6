"""Sending outbox rows: claiming them under a lease, one attempt each, and what follows.

Due rows are walked oldest first and locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's
transactions take turns), then leased by primary key in the same transaction, so two processes
never hold one row; a process that dies mid-send leaves a lease that expires, and the row
becomes due again. Only the oldest unfinished delivery of a conversation is ever due, so a
conversation's messages go out in acceptance order. Transient failures are retried with
exponential backoff and jitter up to MAX_ATTEMPTS, then the row is `dead`.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import String, bindparam, literal_column
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, insert, select, update

from clawscale.bound_lists import one_of
from clawscale.bound_rows import BoundRows
from clawscale.channels.base import ChannelCredentials, MessageType, OutboundMessage, SendTarget
from clawscale.db import execute_core
from clawscale.domain.audit import record_admin_action
from clawscale.domain.channels.store import sealed_credentials
from clawscale.domain.queue import leases
from clawscale.domain.queue.signals import OUTBOX
from clawscale.models import Channel, DeliveryAttempt, DeliveryStatus, OutboundDelivery
from clawscale.models.base import UTCDateTime, new_id, utcnow
from clawscale.models.messages import OPEN_CONVERSATION_ROWS, UNFINISHED_ROWS
from clawscale.settings import Settings

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class SendJob:
    """Everything one send attempt needs, read from the database before any I/O."""

    delivery_id: str
    idempotency_key: str
    credentials: ChannelCredentials
    target: SendTarget
    message: OutboundMessage


def _conversation_head() -> Any:
    """SQL condition: the delivery is the oldest unfinished one of its conversation, the first
    entry of the conversation in the partial index of open conversations (a subquery run per
    candidate).

    The subquery names the rows in that index's own words (`OPEN_CONVERSATION_ROWS`; its bare
    `status` is the subquery's row, the innermost in scope), so PostgreSQL can prove that index
    holds every row asked for and cannot prove it of the index of unfinished deliveries by time,
    which the claim walks. Asked as "no earlier unfinished delivery exists", with both indexes
    matching, statistics taken while the queue was drained (the partial indexes believed empty)
    made PostgreSQL scan a whole index for every candidate: the backlog's square (a claim of 32
    took 8 ms with 8,000 replies queued)."""
    earlier = aliased(OutboundDelivery)
    oldest_unfinished = (
        select(earlier.id)
        .where(
            earlier.customer_id == OutboundDelivery.customer_id,
            earlier.business_conversation_key == OutboundDelivery.business_conversation_key,
            sa.text(OPEN_CONVERSATION_ROWS),
        )
        .order_by(col(earlier.created_at), col(earlier.id))
        .limit(literal_column("1"))
        .scalar_subquery()
    )
    return col(OutboundDelivery.id) == oldest_unfinished


CONVERSATION_HEAD = _conversation_head()
CLAIM = leases.walked_lease_statement(
    OutboundDelivery, status=DeliveryStatus.SENDING, attempts=OutboundDelivery.attempts + 1
)
DELIVERIES = OutboundDelivery.__table__
CHANNELS = Channel.__table__
WITH_CHANNELS = (
    select(
        DELIVERIES.c.id,
        DELIVERIES.c.idempotency_key,
        DELIVERIES.c.target,
        DELIVERIES.c.provider_context,
        DELIVERIES.c.payload,
        CHANNELS.c.id.label("channel_id"),
        CHANNELS.c.kind,
        CHANNELS.c.config_encrypted,
        CHANNELS.c.secrets_encrypted,
    )
    .select_from(DELIVERIES.outerjoin(CHANNELS, CHANNELS.c.id == DELIVERIES.c.channel_id))
    .where(one_of(DELIVERIES.c.id, "ids"))
)
"""The held deliveries with what sending them needs, their channels' columns None where the
channel is gone, in no order (`leases.in_order_of`); plain rows, not entities."""


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker now holds, with its send job (None: its channel is gone)."""

    delivery_id: str
    job: SendJob | None


def _message(payload: dict[str, object]) -> OutboundMessage:
    media = payload.get("mediaUrls") or []
    return OutboundMessage(
        message_type=MessageType(str(payload.get("message_type", "text"))),
        text=str(payload.get("text") or ""),
        media_urls=tuple(str(url) for url in media) if isinstance(media, list) else (),
        audio_as_voice=bool(payload.get("audioAsVoice")),
    )


def _jobs(db: Session, settings: Settings, delivery_ids: list[str]) -> list[ClaimedDelivery]:
    """Send jobs for held deliveries, in the order of `delivery_ids`; each channel's
    credentials opened once."""
    credentials: dict[str, ChannelCredentials] = {}
    claimed = []
    rows = execute_core(db, WITH_CHANNELS, {"ids": delivery_ids}).all()
    for row in leases.in_order_of(delivery_ids, rows, lambda row: row.id):
        if row.channel_id is None:
            claimed.append(ClaimedDelivery(row.id, None))
            continue
        if row.channel_id not in credentials:
            credentials[row.channel_id] = sealed_credentials(
                settings, row.channel_id, row.kind, row.config_encrypted, row.secrets_encrypted
            )
        job = SendJob(
            delivery_id=row.id,
            idempotency_key=row.idempotency_key,
            credentials=credentials[row.channel_id],
            target=SendTarget(row.target, dict(row.provider_context)),
            message=_message(row.payload),
        )
        claimed.append(ClaimedDelivery(row.id, job))
    return claimed


DUE_HEADS = leases.due_heads_oldest_first(OutboundDelivery, UNFINISHED_ROWS, CONVERSATION_HEAD)


def claim_due_jobs(
    db: Session, settings: Settings, worker_id: str, limit: int, lease: timedelta
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries (at most one per conversation), oldest first, with
    what sending them needs: three statements (four on PostgreSQL), whatever the batch's
    size."""
    candidates = leases.walk_ids_oldest_first(db, DUE_HEADS, limit)
    taken = leases.take_many(db, CLAIM, candidates, worker_id, lease)
    return _jobs(db, settings, taken) if taken else []


NOW = bindparam("now", type_=UTCDateTime())
ATTEMPTS = DeliveryAttempt.__table__


def _next_attempt_number(delivery_id: Any) -> Any:
    """SQL: the number of the delivery's next attempt row, after its earlier ones."""
    return (
        select(func.coalesce(func.max(ATTEMPTS.c.attempt_number), 0) + 1)
        .where(ATTEMPTS.c.delivery_id == delivery_id)
        .scalar_subquery()
    )


RECORD_FAILED_ATTEMPT = insert(ATTEMPTS).values(
    id=bindparam("attempt_id"),
    delivery_id=bindparam("delivery_id"),
    attempt_number=_next_attempt_number(bindparam("delivery_id")),
    started_at=NOW,
    finished_at=NOW,
    succeeded=False,
    error=bindparam("error"),
)
SENT = BoundRows(
    "sent",
    (("delivery_id", String()), ("attempt_id", String()), ("provider_message_id", String())),
)
"""The deliveries that went out, each with its new attempt row's id and the provider's
message id (None when the provider gave none)."""


def _marking(dialect: str) -> Any:
    """UPDATE the `SENT` deliveries this worker still holds to `succeeded`, RETURNING their ids
    (as `delivery_id`) and, on PostgreSQL, their attempt ids and provider message ids (SQLite
    returns only the updated table's columns).

    The ids are also bound as a list (`ids`), which PostgreSQL reads by primary key: joined to
    the bound rows alone (which it takes for 100 rows), a table of a few thousand rows looked
    cheaper to scan whole, and a record took 4 to 9 ms."""
    sent = SENT.table(dialect)
    returned = [DELIVERIES.c.id.label("delivery_id")]
    if dialect == "postgresql":
        returned += [sent.c.attempt_id, sent.c.provider_message_id]
    return (
        update(DELIVERIES)
        .where(
            one_of(DELIVERIES.c.id, "ids"),
            DELIVERIES.c.id == sent.c.delivery_id,
            DELIVERIES.c.lease_owner == bindparam("worker_id"),
        )
        .values(
            status=DeliveryStatus.SUCCEEDED,
            provider_message_id=sent.c.provider_message_id,
            error=None,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=NOW,
        )
        .returning(*returned)
    )


def _successful_attempts(sent: Any) -> Any:
    """INSERT an attempt row that succeeded for each of `sent` (rows of delivery id, attempt id
    and provider message id), RETURNING their delivery ids."""
    columns = ["id", "delivery_id", "attempt_number", "started_at", "finished_at"]
    columns += ["succeeded", "provider_message_id"]
    source = select(
        sent.c.attempt_id,
        sent.c.delivery_id,
        _next_attempt_number(sent.c.delivery_id),
        NOW,
        NOW,
        sa.true(),
        sent.c.provider_message_id,
    )
    return insert(ATTEMPTS).from_select(columns, source).returning(ATTEMPTS.c.delivery_id)


@cache
def mark_sent_statements(dialect: str) -> tuple[Any | None, Any]:
    """What marks sent deliveries and records their attempts, (marking, recording): on
    PostgreSQL one statement (no marking of its own: the attempts are inserted from the
    marking's RETURNING); on SQLite the marking, then the attempts of the rows it marked."""
    if dialect == "postgresql":
        return None, _successful_attempts(_marking(dialect).cte("marked"))
    return _marking(dialect), _successful_attempts(SENT.table(dialect))


def _mark_sent(db: Session, provider_ids: dict[str, str], worker_id: str) -> set[str]:
    """The deliveries that went out (id: the provider's message id) become `succeeded`, those
    this worker still holds, each with its attempt row (`mark_sent_statements`); the ids it
    marked."""
    if not provider_ids:
        return set()
    dialect = db.get_bind().dialect
    marking, recording = mark_sent_statements(dialect.name)
    bound = {"worker_id": worker_id, NOW.key: utcnow(), "ids": list(provider_ids)}
    rows = [
        {
            "delivery_id": delivery_id,
            "attempt_id": new_id("da"),
            "provider_message_id": provider_id or None,
        }
        for delivery_id, provider_id in provider_ids.items()
    ]
    if marking is not None:
        marked = set(execute_core(db, marking, {**bound, **SENT.params(rows, dialect)}).scalars())
        rows = [row for row in rows if row["delivery_id"] in marked]
        if not rows:
            return set()
    return set(execute_core(db, recording, {**bound, **SENT.params(rows, dialect)}).scalars())


def _record_failed_attempt(db: Session, delivery_id: str, error: str) -> None:
    """One attempt row that failed, numbered after the delivery's earlier attempts."""
    params = {"attempt_id": new_id("da"), "delivery_id": delivery_id, NOW.key: utcnow()}
    db.connection().execute(RECORD_FAILED_ATTEMPT, {**params, "error": error})


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
    retried = leases.retry_later(
        delivery, transient=transient, max_attempts=MAX_ATTEMPTS, retry_after=retry_after
    )
    delivery.status = DeliveryStatus.FAILED if retried else DeliveryStatus.DEAD
    delivery.error = error
    leases.release(db, delivery)
    _record_failed_attempt(db, delivery.id, error)
    return delivery.status


@dataclass(frozen=True)
class SendOutcome:
    """How one attempt ended: sent (with the provider's message id) or failed with `error`."""

    delivery_id: str
    provider_message_id: str = ""
    error: str | None = None
    transient: bool = False
    retry_after: float | None = None
    seconds: float | None = None
    """How long the provider call took (None when no call was made)."""


def record_outcomes(
    db: Session, outcomes: list[SendOutcome], worker_id: str
) -> list[DeliveryStatus | None]:
    """Record attempts' outcomes in one transaction; each delivery's new status (None where
    this worker no longer holds it). The sent ones are marked, with their attempt rows, together
    (`_mark_sent`)."""
    sent = {o.delivery_id: o.provider_message_id for o in outcomes if o.error is None}
    marked = _mark_sent(db, sent, worker_id)
    statuses: list[DeliveryStatus | None] = []
    for outcome in outcomes:
        if outcome.error is not None:
            statuses.append(
                record_failure(
                    db,
                    outcome.delivery_id,
                    worker_id,
                    outcome.error,
                    transient=outcome.transient,
                    retry_after=outcome.retry_after,
                )
            )
        else:
            statuses.append(DeliveryStatus.SUCCEEDED if outcome.delivery_id in marked else None)
    return statuses


def retry_dead_delivery(
    db: Session, admin_id: str | None, delivery_id: str
) -> OutboundDelivery | None:
    """An admin's retry, audited: a dead delivery becomes due now with a fresh attempt budget;
    None (and nothing audited) when it is not dead."""
    delivery = db.get(OutboundDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.DEAD:
        return None
    delivery.status = DeliveryStatus.PENDING
    leases.start_afresh(db, delivery)
    OUTBOX.announce(db)
    record_admin_action(db, admin_id, "delivery.retry", "outbound_delivery", delivery_id)
    return delivery
