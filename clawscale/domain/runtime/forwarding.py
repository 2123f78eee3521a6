"""Forwarding stored inbound events to the agent runtime: taking them, and what to send.

Events are forwarded after commit, oldest first and one at a time per customer, so the runtime
sees a customer's messages in arrival order. `claim_forward_calls` takes a batch of due events
in two statements whatever the batch's size (three on PostgreSQL, with the planner's settings;
more only for the events it parks): the walk that finds and locks them with all a forward is
made of, and the UPDATE that leases them. It parks those whose customer may not be served now
(`inbound.holds`), fails those without an agent, and builds the runtime request of each other
one. How the requests went is `runtime.outcomes`' to record.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Bundle, aliased
from sqlmodel import Session, col, select

from clawscale.db import planner_avoids, planner_restored
from clawscale.domain.billing.access import (
    DenialReason,
    decided_access,
    email_verified_sql,
    latest_pass_expiry_sql,
)
from clawscale.domain.inbound.holds import hold_event
from clawscale.domain.queue import leases
from clawscale.domain.runtime.agents import decrypted_token
from clawscale.domain.runtime.messages import ForwardContext, forward_body
from clawscale.domain.runtime.outcomes import fail_forward
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    ChannelScope,
    Conversation,
    Customer,
    EndUser,
    InboundEvent,
    InboundStatus,
)
from clawscale.models.base import utcnow
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
CLAIM = leases.walked_lease_statement(InboundEvent, attempts=InboundEvent.attempts + 1)
DUE_WITH_CONTEXT = (
    leases.due_heads_oldest_first(
        InboundEvent,
        WAITING_ROWS,
        HEAD,
        Bundle(
            "event",
            InboundEvent.id,
            (InboundEvent.attempts + 1).label("attempts"),
            InboundEvent.payload,
        ),
        Bundle(
            "customer", Customer.id, Customer.display_name, Customer.suspended, Customer.created_at
        ),
        Bundle(
            "facts",
            latest_pass_expiry_sql(Customer.id).label("latest_pass"),
            email_verified_sql(Customer.id).label("verified"),
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
)
"""The walk of due events (`leases.walk_oldest_first`: oldest first, one per customer, locked)
with the columns a forward is made of, read as bundles (plain rows: loading six entities a row
cost the worker more than the rest of the claim), and the customer's access facts. A part
missing from an outer join has its columns all None. `attempts` is the attempt this claim makes
(the claim's UPDATE counts it). Run without sorts or sequential scans: its prepared statement's
generic plan, made once per connection, must not be one made while the events' table was nearly
empty (a scan of it all, 2 to 4 ms a claim once it has filled)."""


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


def _claimed(db: Session, settings: Settings, rows: Sequence[Any]) -> list[ClaimedEvent]:
    """The held events (`DUE_WITH_CONTEXT` rows) with their runtime requests, oldest first
    (None for those settled without one)."""
    now = utcnow()
    tokens: dict[str, str] = {}
    claimed = []
    unsent: list[tuple[str, DenialReason | None]] = []
    for event, customer, facts, channel, conversation, end_user, agent in rows:
        access = decided_access(
            settings,
            customer,
            facts.latest_pass,
            verified=bool(facts.verified),
            shared_channel=channel.scope == ChannelScope.SHARED,
            now=now,
        )
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
            unsent.append((event.id, access.reason))
            claimed.append(ClaimedEvent(event.id, None))
    if unsent:
        planner_restored(db)
        for event_id, reason in unsent:
            _settle_unsent(db, settings, event_id, reason)
    return claimed


def forward_lease(lease: timedelta, timeouts: Iterable[int | None]) -> timedelta:
    """How long events whose agents wait `timeouts` (seconds; None: no agent) are held:
    `lease`, or longer when an agent may be waited on longer (with LEASE_MARGIN to record the
    answer), so no other worker forwards an event again while the runtime is still answering."""
    longest = max((timeout for timeout in timeouts if timeout), default=0)
    return max(lease, timedelta(seconds=longest) + LEASE_MARGIN)


def claim_forward_calls(
    db: Session, settings: Settings, worker_id: str, limit: int, lease: timedelta
) -> list[ClaimedEvent]:
    """Take up to `limit` events due for forwarding, at most one per customer, oldest first,
    with their runtime requests."""
    planner_avoids(db, "sort", "seqscan")
    rows = leases.walk_oldest_first(db, DUE_WITH_CONTEXT, limit)
    if not rows:
        return []
    held_for = forward_lease(lease, (row.agent.forward_timeout_seconds for row in rows))
    taken = set(leases.take_many(db, CLAIM, [row.event.id for row in rows], worker_id, held_for))
    return _claimed(db, settings, [row for row in rows if row.event.id in taken])
