"""Forwarding stored inbound events to the agent runtime, and taking its immediate replies.

Events are forwarded after commit, oldest first and one at a time per customer, so the runtime
sees a customer's messages in arrival order. A failed forward is retried with backoff, then the
event is `failed` (visible, never dropped). A reply the runtime gives at once goes into the outbox
like any pushed reply, under a key derived from the event: a retried forward cannot send it twice.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, exists, select, tuple_

from clawscale.domain import leases
from clawscale.domain.access_holds import access_hold_reason, hold_event
from clawscale.domain.agents import agent_token, binding_of
from clawscale.domain.errors import Conflict
from clawscale.domain.inbound import conversation_key
from clawscale.domain.outbound import accept_delivery
from clawscale.domain.routing import upsert_delivery_route
from clawscale.models import (
    Agent,
    Channel,
    Conversation,
    EndUser,
    InboundEvent,
    InboundStatus,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

LEASE = timedelta(seconds=60)
MAX_FORWARD_ATTEMPTS = 10
REPLY_FIELDS = ("reply", "text", "content", "message")


@dataclass(frozen=True)
class RuntimeCall:
    """One POST to an agent runtime."""

    url: str
    token: str
    body: dict[str, object]


@dataclass(frozen=True)
class RuntimeReply:
    """Text the runtime answered at once, and the conversation key it names, if any."""

    text: str
    business_conversation_key: str | None = None
    output_id: str | None = None


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


def _customer_head() -> Any:
    """SQL condition: no earlier event of the same customer is still waiting to be forwarded."""
    earlier = aliased(InboundEvent)
    return ~exists().where(
        earlier.customer_id == InboundEvent.customer_id,
        earlier.status == InboundStatus.RECEIVED,
        tuple_(earlier.created_at, earlier.id) < tuple_(InboundEvent.created_at, InboundEvent.id),
    )


WAITING_HEADS = (InboundEvent.status == InboundStatus.RECEIVED, _customer_head())
CLAIM = leases.lease_statement(InboundEvent, *WAITING_HEADS, attempts=InboundEvent.attempts + 1)


def claim_due_events(
    db: Session, worker_id: str, limit: int, lease: timedelta = LEASE
) -> list[str]:
    """Take up to `limit` events due for forwarding, at most one per customer, oldest first."""
    candidates = db.exec(
        select(InboundEvent.id)
        .where(*WAITING_HEADS, *leases.due_and_free(InboundEvent))
        .order_by(col(InboundEvent.created_at), col(InboundEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [
        event_id for event_id in candidates if leases.take(db, CLAIM, event_id, worker_id, lease)
    ]


def hold_without_access(db: Session, settings: Settings, event_id: str, worker_id: str) -> bool:
    """Park a claimed event whose customer may not be served now; whether it was held."""
    event = leases.held(db, InboundEvent, event_id, worker_id)
    if event is None:
        return True
    reason = access_hold_reason(db, settings, event)
    if reason is None:
        return False
    hold_event(db, settings, event, reason)
    leases.release(db, event)
    return True


def runtime_call(db: Session, settings: Settings, event_id: str) -> RuntimeCall | None:
    """The request forwarding an event (CONTRACT.md, "Runtime boundary"); None without an agent."""
    event = db.get(InboundEvent, event_id)
    assert event is not None and event.customer_id and event.conversation_id
    binding = binding_of(db, event.customer_id)
    agent = db.get(Agent, binding.agent_id) if binding else None
    conversation = db.get(Conversation, event.conversation_id)
    end_user = db.get(EndUser, event.end_user_id)
    channel = db.get(Channel, event.channel_id)
    if agent is None or conversation is None or end_user is None or channel is None:
        return None
    payload = event.payload
    message: dict[str, object] = {"role": "user", "content": str(payload.get("text") or "")}
    if payload.get("attachments"):
        message["attachments"] = payload["attachments"]
    metadata = {
        "tenantId": settings.COKE_PLATFORM_TENANT_ID,
        "channelId": channel.id,
        "endUserId": end_user.id,
        "conversationId": conversation.id,
        "gatewayConversationId": conversation.id,
        "inboundEventId": event.id,
        "externalId": end_user.external_id,
        "businessConversationKey": conversation_key(conversation),
        "customerId": event.customer_id,
        "sender": str(payload.get("sender_name") or end_user.external_id),
        "platform": channel.kind,
    }
    body = {"messages": [message], "metadata": metadata}
    return RuntimeCall(agent.endpoint, agent_token(settings, agent), body)


def _queue_reply(db: Session, event: InboundEvent, reply: RuntimeReply) -> str | None:
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
        acceptance = accept_delivery(
            db, f"inbound-reply:{event.id}", event.customer_id, key, payload
        )
    except Conflict:
        return None
    return acceptance.delivery_id


def record_forwarded(
    db: Session, event_id: str, worker_id: str, reply: RuntimeReply | None
) -> str | None:
    """The runtime took the event; the id of the delivery queued for its reply, if any."""
    event = leases.held(db, InboundEvent, event_id, worker_id)
    if event is None:
        return None
    event.status = InboundStatus.FORWARDED
    event.last_error = None
    leases.release(db, event)
    return _queue_reply(db, event, reply) if reply else None


def record_forward_failure(
    db: Session, event_id: str, worker_id: str, error: str, retry_after: float | None = None
) -> InboundStatus | None:
    """The forward failed: retried later, or `failed` after MAX_FORWARD_ATTEMPTS."""
    event = leases.held(db, InboundEvent, event_id, worker_id)
    if event is None:
        return None
    event.last_error = error
    if event.attempts >= MAX_FORWARD_ATTEMPTS:
        event.status = InboundStatus.FAILED
    else:
        event.next_attempt_at = utcnow() + timedelta(
            seconds=leases.backoff_seconds(event.attempts, retry_after)
        )
    leases.release(db, event)
    return InboundStatus(event.status)
