"""What the runtime made of forwarded events: recorded in one transaction per batch.

A forward the runtime took is `forwarded`; a failed one is retried with backoff, then `failed`
after MAX_FORWARD_ATTEMPTS (visible, never dropped). A forward the runtime received but did not
answer within the agent's timeout is `forwarded` too, noted `runtime_timeout`, and never sent
again: the runtime has the message, and its reply must come through `/api/outbound` (a runtime
such as Coke hands each reply to the first request waiting for it, so a second forward would
take the reply of the first to a request nobody reads any more). A reply the runtime gives at
once goes into the outbox like any pushed reply, under a key derived from the event: a retried
forward cannot send it twice. Results count only for the worker that still holds the event's lease.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, update

from clawscale.bound_lists import one_of
from clawscale.db import execute_core
from clawscale.domain.errors import Conflict, DomainError
from clawscale.domain.inbound.placement import conversation_key
from clawscale.domain.outbox.accept import accept_delivery
from clawscale.domain.outbox.routes import upsert_delivery_route
from clawscale.domain.queue import leases
from clawscale.models import Conversation, EndUser, InboundEvent, InboundStatus
from clawscale.models.base import utcnow

logger = logging.getLogger(__name__)

MAX_FORWARD_ATTEMPTS = 10
REPLY_FIELDS = ("reply", "text", "content", "message")


@dataclass(frozen=True)
class RuntimeReply:
    """Text the runtime answered at once, and the conversation key it names, if any."""

    text: str
    business_conversation_key: str | None = None
    output_id: str | None = None


@dataclass(frozen=True)
class ForwardOutcome:
    """How one forward ended: taken by the runtime (with its immediate reply, if any), or
    failed with `error`."""

    event_id: str
    reply: RuntimeReply | None = None
    error: str | None = None
    retry_after: float | None = None
    unanswered: str | None = None
    """Why a forward the runtime received has no answer (it timed out), if so."""

    @property
    def plainly_taken(self) -> bool:
        """Taken by the runtime with nothing more to record (no reply, no note)."""
        return self.error is None and self.reply is None and self.unanswered is None


def parse_runtime_reply(document: object) -> RuntimeReply | None:
    """The immediate reply in a runtime's answer (`reply`, `text`, `content` or `message`)."""
    if not isinstance(document, dict):
        return None
    text = next(
        (document[name] for name in REPLY_FIELDS if isinstance(document.get(name), str)), ""
    )
    if not text.strip():
        return None
    key = document.get("business_conversation_key")
    output_id = document.get("output_id")
    return RuntimeReply(
        text=text,
        business_conversation_key=key if isinstance(key, str) and key else None,
        output_id=str(output_id) if output_id else None,
    )


MARK_FORWARDED = (
    update(InboundEvent)
    .where(
        one_of(col(InboundEvent.id), "ids"),
        col(InboundEvent.lease_owner) == bindparam("worker_id"),
    )
    .values(
        status=InboundStatus.FORWARDED,
        last_error=None,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=leases.NOW,
    )
    .execution_options(synchronize_session=False)
)


def fail_forward(event: InboundEvent, error: str, retry_after: float | None = None) -> None:
    """A failed forward of a held event: due again after a backoff (never before
    `retry_after` seconds), or `failed` after MAX_FORWARD_ATTEMPTS. The caller releases it."""
    event.last_error = error
    if event.attempts >= MAX_FORWARD_ATTEMPTS:
        event.status = InboundStatus.FAILED
    else:
        event.next_attempt_at = utcnow() + timedelta(
            seconds=leases.backoff_seconds(event.attempts, retry_after)
        )


def _queue_reply(db: Session, event: InboundEvent, reply: RuntimeReply) -> None:
    conversation = db.get(Conversation, event.conversation_id)
    end_user = db.get(EndUser, event.end_user_id)
    assert conversation is not None and end_user is not None and event.customer_id
    key = reply.business_conversation_key or conversation_key(conversation)
    context = event.payload.get("provider_context")
    upsert_delivery_route(
        db,
        event.customer_id,
        key,
        event.channel_id,
        end_user.id,
        end_user.external_id,
        dict(context) if isinstance(context, dict) and context else None,
    )
    payload: dict[str, object] = {
        "output_id": reply.output_id or f"reply:{event.id}",
        "customer_id": event.customer_id,
        "business_conversation_key": key,
        "message_type": "text",
        "delivery_mode": "request_response",
        "text": reply.text,
        "causal_inbound_event_id": event.id,
    }
    try:
        accept_delivery(db, f"inbound-reply:{event.id}", event.customer_id, key, payload)
    except Conflict:
        return


def _record_one(db: Session, outcome: ForwardOutcome, worker_id: str) -> None:
    """Record a failure, or a forward the runtime answered with a reply."""
    event = leases.held(db, InboundEvent, outcome.event_id, worker_id)
    if event is None:
        return
    if outcome.error is not None:
        fail_forward(event, outcome.error, outcome.retry_after)
    else:
        event.status = InboundStatus.FORWARDED
        event.last_error = outcome.unanswered
    leases.release(db, event)
    if outcome.error is None and outcome.reply is not None:
        _queue_reply(db, event, outcome.reply)


def record_outcomes(db: Session, outcomes: list[ForwardOutcome], worker_id: str) -> None:
    """Record forwards' outcomes in one transaction.

    The forwards the runtime took without a reply are one statement together; every other
    outcome is recorded in a savepoint, so one that cannot be (its reply's channel is gone, say)
    is logged and left leased, to be forwarded again once the lease lapses, as it would be
    alone, without taking the others with it."""
    taken = [outcome.event_id for outcome in outcomes if outcome.plainly_taken]
    if taken:
        params = {"ids": taken, "worker_id": worker_id, leases.NOW.key: utcnow()}
        execute_core(db, MARK_FORWARDED, params)
    for outcome in outcomes:
        if outcome.plainly_taken:
            continue
        try:
            with db.begin_nested():
                _record_one(db, outcome, worker_id)
        except (DomainError, SQLAlchemyError):
            logger.exception("recording the forward of event %s failed", outcome.event_id)
