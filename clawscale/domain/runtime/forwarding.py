"""Forwarding stored inbound events to the agent runtime: taking them, and what to send.

Events are forwarded after commit, oldest first and one at a time per customer, so the runtime
sees a customer's messages in arrival order. `claim_forward_calls` takes a batch of due events
in one transaction of six statements whatever the batch's size (ten on PostgreSQL, four of them
planner settings; more only for the events it parks): it leases them, parks those whose
customer may not be served now (`inbound.holds`), fails those without an agent, and builds the
runtime request of each other one. How the requests went is `runtime.outcomes`' to record.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Bundle, aliased
from sqlmodel import Session, col, func, select

from clawscale.bound_lists import one_of
from clawscale.db import planner_without
from clawscale.domain.billing.access import DenialReason
from clawscale.domain.inbound.holds import events_access, hold_event
from clawscale.domain.queue import leases
from clawscale.domain.runtime.agents import decrypted_token
from clawscale.domain.runtime.messages import ForwardContext, forward_body
from clawscale.domain.runtime.outcomes import fail_forward
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    EndUser,
    InboundEvent,
    InboundStatus,
)
from clawscale.models.messages import WAITING_ROWS
from clawscale.settings import Settings

LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class RuntimeCall:
    """One POST to an agent runtime."""

    url: str
    token: str
    body: dict[str, object]
    timeout_seconds: float | None = None
    """How long to wait for the answer (None: the worker's default)."""


@dataclass(frozen=True)
class ClaimedEvent:
    """An event this worker now holds, with its runtime request; None when there is nothing to
    send (the claim parked it for access, or failed it for want of an agent)."""

    event_id: str
    call: RuntimeCall | None


def _oldest_waiting(customer_id: Any) -> Any:
    """SQL: the id of the customer's oldest event still waiting to be forwarded (a LIMIT 1
    walk of the (customer, status, created_at, id) index)."""
    waiting = aliased(InboundEvent)
    return (
        select(waiting.id)
        .where(waiting.customer_id == customer_id, waiting.status == InboundStatus.RECEIVED)
        .order_by(col(waiting.created_at), col(waiting.id))
        .limit(1)
        .scalar_subquery()
    )


HEAD = col(InboundEvent.id) == _oldest_waiting(InboundEvent.customer_id)
DUE_HEADS = leases.due_heads_oldest_first(InboundEvent, WAITING_ROWS, HEAD)
CLAIM = leases.walked_lease_statement(InboundEvent, attempts=InboundEvent.attempts + 1)
WITH_CONTEXT = (
    select(
        Bundle("event", InboundEvent.id, InboundEvent.attempts, InboundEvent.payload),
        Bundle(
            "customer", Customer.id, Customer.display_name, Customer.suspended, Customer.created_at
        ),
        Bundle("channel", Channel.id, Channel.kind, Channel.scope),
        Bundle("conversation", Conversation.id, Conversation.business_conversation_key),
        Bundle("end_user", EndUser.id, EndUser.external_id),
        Bundle(
            "agent", Agent.id, Agent.endpoint, Agent.token_encrypted, Agent.forward_timeout_seconds
        ),
    )
    .join(Customer, col(Customer.id) == InboundEvent.customer_id)
    .join(Channel, col(Channel.id) == InboundEvent.channel_id)
    .outerjoin(Conversation, col(Conversation.id) == InboundEvent.conversation_id)
    .outerjoin(EndUser, col(EndUser.id) == InboundEvent.end_user_id)
    .outerjoin(AgentBinding, col(AgentBinding.customer_id) == InboundEvent.customer_id)
    .outerjoin(Agent, col(Agent.id) == AgentBinding.agent_id)
    .where(one_of(col(InboundEvent.id), "ids"))
    .order_by(col(InboundEvent.created_at), col(InboundEvent.id))
)
"""The columns a forward is made of, read as bundles (plain rows: loading six entities a row
cost the worker more than the rest of the claim). A part missing from an outer join has its
columns all None. Run without sequential scans: its prepared statement's generic plan, made
once per connection, must not be one made while the events' table was nearly empty (a scan of
it all, 2 to 4 ms a claim once it has filled)."""


def _settle_unsent(
    db: Session, settings: Settings, event_id: str, reason: DenialReason | None
) -> None:
    """Park an event whose customer may not be served now (`reason`), or fail one without an
    agent; either way its lease is given back."""
    event = db.get(InboundEvent, event_id)
    assert event is not None, "a held event cannot be gone"
    if reason is not None:
        hold_event(db, settings, event, reason)
    else:
        fail_forward(event, "no_agent")
    leases.release(db, event)


def _claimed(db: Session, settings: Settings, event_ids: set[str]) -> list[ClaimedEvent]:
    """The held events with their runtime requests, oldest first (None for those settled
    without one)."""
    with planner_without(db, "seqscan"):
        rows = db.exec(WITH_CONTEXT, params={"ids": list(event_ids)}).all()
    decisions = events_access(db, settings, [(row.customer, row.channel.scope) for row in rows])
    tokens: dict[str, str] = {}
    claimed = []
    for (event, customer, channel, conversation, end_user, agent), access in zip(
        rows, decisions, strict=True
    ):
        if access.allowed and agent.id and conversation.id and end_user.id:
            if agent.id not in tokens:
                tokens[agent.id] = decrypted_token(settings, agent.token_encrypted)
            context = ForwardContext(event, customer, channel, conversation, end_user, access)
            body = forward_body(settings, context)
            call = RuntimeCall(
                agent.endpoint, tokens[agent.id], body, agent.forward_timeout_seconds
            )
            claimed.append(ClaimedEvent(event.id, call))
        else:
            _settle_unsent(db, settings, event.id, access.reason)
            claimed.append(ClaimedEvent(event.id, None))
    return claimed


def forward_lease(db: Session, lease: timedelta) -> timedelta:
    """How long a claimed event is held: `lease`, or longer when an agent may be waited on
    longer (with LEASE_MARGIN to record the answer), so no other worker forwards an event again
    while the runtime is still answering it."""
    longest = db.exec(select(func.max(Agent.forward_timeout_seconds))).one() or 0
    return max(lease, timedelta(seconds=longest) + LEASE_MARGIN)


def claim_forward_calls(
    db: Session, settings: Settings, worker_id: str, limit: int, lease: timedelta
) -> list[ClaimedEvent]:
    """Take up to `limit` events due for forwarding, at most one per customer, oldest first,
    with their runtime requests."""
    candidates = leases.walk_oldest_first(db, DUE_HEADS, limit)
    if not candidates:
        return []
    held_for = forward_lease(db, lease)
    taken = leases.take_many(db, CLAIM, candidates, worker_id, held_for)
    return _claimed(db, settings, taken) if taken else []
