"""Provisioning customers at their agent runtime, and releasing what waited for it.

A `pending` binding is provisioned by POSTing `{customer_id, display_name}` to the agent's
endpoint (CONTRACT.md); a 2xx makes it `ready` and releases the customer's parked events in
arrival order. Failures are retried with backoff; after MAX_PROVISION_ATTEMPTS the binding is
`error` and its events stay parked (visible, never dropped) until an admin retries.
"""

from datetime import timedelta

from sqlmodel import Session, col, select, update

from clawscale.domain import leases
from clawscale.domain.agents import agent_token
from clawscale.domain.forwarding import RuntimeCall
from clawscale.domain.work_signal import INBOUND
from clawscale.models import (
    Agent,
    AgentBinding,
    Customer,
    InboundEvent,
    InboundStatus,
    ProvisionStatus,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

LEASE = timedelta(seconds=60)
MAX_PROVISION_ATTEMPTS = 8
PENDING = AgentBinding.provision_status == ProvisionStatus.PENDING
CLAIM = leases.lease_statement(AgentBinding, PENDING, attempts=AgentBinding.attempts + 1)


def claim_due_bindings(
    db: Session, worker_id: str, limit: int, lease: timedelta = LEASE
) -> list[str]:
    """Take up to `limit` pending bindings that are due for a provisioning attempt."""
    candidates = db.exec(
        select(AgentBinding.id)
        .where(PENDING, *leases.due_and_free(AgentBinding))
        .order_by(col(AgentBinding.created_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [
        binding_id
        for binding_id in candidates
        if leases.take(db, CLAIM, binding_id, worker_id, lease)
    ]


def provisioning_call(db: Session, settings: Settings, binding_id: str) -> RuntimeCall | None:
    """The provisioning request for a binding; None when its agent or customer is gone."""
    binding = db.get(AgentBinding, binding_id)
    assert binding is not None
    agent = db.get(Agent, binding.agent_id)
    customer = db.get(Customer, binding.customer_id)
    if agent is None or customer is None:
        return None
    body: dict[str, object] = {"customer_id": customer.id}
    if customer.display_name:
        body["display_name"] = customer.display_name
    return RuntimeCall(agent.endpoint, agent_token(settings, agent), body)


def release_parked_events(db: Session, customer_id: str) -> int:
    """Make the customer's parked events due for forwarding now; how many."""
    released = db.exec(
        update(InboundEvent)
        .where(
            col(InboundEvent.customer_id) == customer_id,
            col(InboundEvent.status) == InboundStatus.PARKED,
        )
        .values(status=InboundStatus.RECEIVED, next_attempt_at=utcnow(), last_error=None)
    )
    if released.rowcount:
        INBOUND.announce(db)
    return released.rowcount or 0


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
    db: Session, binding_id: str, worker_id: str, error: str
) -> ProvisionStatus | None:
    """Provisioning failed: retried later, or `error` after MAX_PROVISION_ATTEMPTS."""
    binding = leases.held(db, AgentBinding, binding_id, worker_id)
    if binding is None:
        return None
    binding.last_error = error
    if binding.attempts >= MAX_PROVISION_ATTEMPTS:
        binding.provision_status = ProvisionStatus.ERROR
    else:
        binding.next_attempt_at = utcnow() + timedelta(
            seconds=leases.backoff_seconds(binding.attempts)
        )
    leases.release(db, binding)
    return ProvisionStatus(binding.provision_status)
