"""Provisioning customers at their agent runtime, and releasing what waited for it.

An agent with a `provisioning_url` has each new customer announced there: a `pending` binding
is provisioned by POSTing `{customer_id, display_name}` (CONTRACT.md); a 2xx makes it `ready`
and releases the customer's parked events in arrival order. A 4xx is the runtime refusing the
customer for good: the binding is `error` at once, with the runtime's error code for operators.
Other failures are retried with backoff; after MAX_PROVISION_ATTEMPTS the binding is `error`.
Either way its events stay parked (visible, never dropped) until an admin retries.

An agent without a provisioning URL (Coke's bridge has none: the customer id travels in every
message) needs no announcement: its bindings are made `ready`, and a `pending` one found (its
agent changed mode, say) is made ready as it is claimed, with no call.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from clawscale.db import execute_core
from clawscale.domain.audit import record_admin_action
from clawscale.domain.errors import Conflict, NotFound
from clawscale.domain.inbound.placement import release_parked
from clawscale.domain.queue import leases
from clawscale.domain.queue.signals import INBOUND
from clawscale.domain.runtime.agents import agent_token
from clawscale.domain.runtime.forwarding import RuntimeCall
from clawscale.models import (
    Agent,
    AgentBinding,
    Customer,
    InboundEvent,
    ProvisionStatus,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

MAX_PROVISION_ATTEMPTS = 8
PENDING = AgentBinding.provision_status == ProvisionStatus.PENDING
CLAIM = leases.lease_statement(AgentBinding, PENDING, attempts=AgentBinding.attempts + 1)


DUE_BINDINGS = (
    select(AgentBinding.id, Agent.provisioning_url)
    .join(Agent, col(Agent.id) == AgentBinding.agent_id)
    .where(PENDING, *leases.due_and_free(AgentBinding, leases.NOW))
    .order_by(col(AgentBinding.created_at))
    .limit(bindparam("limit", type_=sa.Integer))
    .with_for_update(skip_locked=True)
)
"""The pending bindings due for an attempt, oldest first, locked; built once (the inbound
worker asks on every turn, and building the SELECT cost more than running it)."""


def claim_due_bindings(db: Session, worker_id: str, limit: int, lease: timedelta) -> list[str]:
    """Take up to `limit` pending bindings that are due for a provisioning attempt; those whose
    agent needs no provisioning are made ready on the spot and not returned."""
    params = {"limit": limit, leases.NOW.key: utcnow()}
    candidates = execute_core(db, DUE_BINDINGS, params).all()
    taken = []
    for binding_id, provisioning_url in candidates:
        if not leases.take(db, CLAIM, binding_id, worker_id, lease):
            continue
        if provisioning_url is None:
            record_provisioned(db, binding_id, worker_id)
        else:
            taken.append(binding_id)
    return taken


def provisioning_call(db: Session, settings: Settings, binding_id: str) -> RuntimeCall | None:
    """The provisioning request for a binding; None when its agent or customer is gone, or the
    agent no longer has a provisioning URL."""
    binding = db.get(AgentBinding, binding_id)
    assert binding is not None
    agent = db.get(Agent, binding.agent_id)
    customer = db.get(Customer, binding.customer_id)
    if agent is None or customer is None or agent.provisioning_url is None:
        return None
    body: dict[str, object] = {"customer_id": customer.id}
    if customer.display_name:
        body["display_name"] = customer.display_name
    return RuntimeCall(agent.provisioning_url, agent_token(settings, agent), body)


def release_parked_events(db: Session, customer_id: str) -> int:
    """Make the customer's parked events due for forwarding now; how many."""
    return release_parked(db, col(InboundEvent.customer_id) == customer_id)


def retry_provisioning(db: Session, admin_id: str, customer_id: str) -> AgentBinding:
    """An admin has the customer's binding provisioned again, audited: `pending` and due now,
    its attempts counted afresh (an agent without a provisioning URL makes it ready as it is
    claimed). NotFound `binding_not_found`; Conflict `binding_ready` when there is nothing to
    retry."""
    binding = db.exec(
        select(AgentBinding).where(AgentBinding.customer_id == customer_id).with_for_update()
    ).first()
    if binding is None:
        raise NotFound("binding_not_found", "This customer has no agent binding.")
    if binding.provision_status == ProvisionStatus.READY:
        raise Conflict("binding_ready", "This customer's agent binding is already ready.")
    binding.provision_status = ProvisionStatus.PENDING
    leases.start_afresh(db, binding)
    INBOUND.announce(db)
    record_admin_action(db, admin_id, "binding.retry", "customer", customer_id)
    return binding


def release_stranded_events(db: Session) -> int:
    """Release events parked for provisioning whose customer's binding is ready (none should
    be: `inbound.placement.confirm_parking` and `release_parked_events` see to it; this is
    the inbound workers' periodic safety net); how many."""
    ready = select(AgentBinding.customer_id).where(
        AgentBinding.provision_status == ProvisionStatus.READY
    )
    return release_parked(
        db, col(InboundEvent.last_error).is_(None), col(InboundEvent.customer_id).in_(ready)
    )


def record_provisioned(db: Session, binding_id: str, worker_id: str) -> int | None:
    """The runtime accepted the customer: the binding is ready; how many events it released."""
    binding = leases.held(db, AgentBinding, binding_id, worker_id)
    if binding is None:
        return None
    binding.provision_status = ProvisionStatus.READY
    binding.last_error = None
    leases.release(db, binding)
    return release_parked_events(db, binding.customer_id)


def record_provision_failure(
    db: Session, binding_id: str, worker_id: str, error: str, *, permanent: bool = False
) -> ProvisionStatus | None:
    """Provisioning failed: `error` at once when `permanent` (the runtime refused the customer)
    or after MAX_PROVISION_ATTEMPTS, else retried later."""
    binding = leases.held(db, AgentBinding, binding_id, worker_id)
    if binding is None:
        return None
    binding.last_error = error
    if permanent or binding.attempts >= MAX_PROVISION_ATTEMPTS:
        binding.provision_status = ProvisionStatus.ERROR
    else:
        binding.next_attempt_at = utcnow() + timedelta(
            seconds=leases.backoff_seconds(binding.attempts)
        )
    leases.release(db, binding)
    return ProvisionStatus(binding.provision_status)
