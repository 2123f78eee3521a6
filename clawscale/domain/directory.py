"""The operators' directory of customers and channels.

Customers come with their contact, agent, channels and parked messages; channels with their
owner and state. A page is built with one query per column family, never one per row.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    Customer,
    ExternalIdentity,
    Identity,
    InboundEvent,
    InboundStatus,
    Membership,
    MembershipRole,
)


@dataclass(frozen=True)
class CustomerRow:
    """One customer as the admin list shows it."""

    id: str
    display_name: str
    kind: str
    suspended: bool
    created_at: datetime
    contact: str | None
    claim_status: str | None
    agent: str | None
    provision_status: str | None
    channels: dict[str, int] = field(default_factory=dict)
    parked: int = 0
    parked_reasons: list[str] = field(default_factory=list)


def _search(query: str) -> object:
    pattern = f"%{query.strip().casefold()}%"
    by_identity = (
        select(Membership.customer_id)
        .join(Identity, col(Identity.id) == col(Membership.identity_id))
        .where(func.lower(Identity.email).like(pattern))
    )
    by_external = select(ExternalIdentity.customer_id).where(
        func.lower(ExternalIdentity.identity_value).like(pattern)
    )
    return or_(
        func.lower(Customer.display_name).like(pattern),
        col(Customer.id).in_(by_identity),
        col(Customer.id).in_(by_external),
        col(Customer.id) == query.strip(),
    )


def _with_claim_status(status: str) -> object:
    owners = (
        select(Membership.customer_id)
        .join(Identity, col(Identity.id) == col(Membership.identity_id))
        .where(Identity.claim_status == status, Membership.role == MembershipRole.OWNER)
    )
    return col(Customer.id).in_(owners)


def _owners(db: Session, ids: Sequence[str]) -> dict[str, Identity]:
    rows = db.exec(
        select(Membership.customer_id, Identity)
        .join(Identity, col(Identity.id) == col(Membership.identity_id))
        .where(col(Membership.customer_id).in_(ids), Membership.role == MembershipRole.OWNER)
        .order_by(col(Membership.created_at))
    ).all()
    owners: dict[str, Identity] = {}
    for customer_id, identity in rows:
        owners.setdefault(customer_id, identity)
    return owners


def _external_contacts(db: Session, ids: Sequence[str]) -> dict[str, str]:
    rows = db.exec(
        select(ExternalIdentity)
        .where(col(ExternalIdentity.customer_id).in_(ids))
        .order_by(col(ExternalIdentity.first_seen_at))
    ).all()
    contacts: dict[str, str] = {}
    for identity in rows:
        contacts.setdefault(identity.customer_id, f"{identity.provider}:{identity.identity_value}")
    return contacts


def _bindings(db: Session, ids: Sequence[str]) -> dict[str, tuple[AgentBinding, Agent]]:
    rows = db.exec(
        select(AgentBinding, Agent)
        .join(Agent, col(Agent.id) == col(AgentBinding.agent_id))
        .where(col(AgentBinding.customer_id).in_(ids))
    ).all()
    return {binding.customer_id: (binding, agent) for binding, agent in rows}


def _channel_counts(db: Session, ids: Sequence[str]) -> dict[str, Counter[str]]:
    rows = db.exec(
        select(Channel.owner_customer_id, Channel.status, func.count())
        .where(col(Channel.owner_customer_id).in_(ids))
        .group_by(Channel.owner_customer_id, Channel.status)
    ).all()
    counts: dict[str, Counter[str]] = {}
    for customer_id, status, number in rows:
        counts.setdefault(customer_id, Counter())[status] = number
    return counts


def _parked(db: Session, ids: Sequence[str]) -> dict[str, Counter[str]]:
    """Parked events per customer, by why they wait (`access:...`, `no_agent_configured`, or
    the agent binding not being ready yet)."""
    rows = db.exec(
        select(InboundEvent.customer_id, InboundEvent.last_error, func.count())
        .where(col(InboundEvent.customer_id).in_(ids), InboundEvent.status == InboundStatus.PARKED)
        .group_by(InboundEvent.customer_id, InboundEvent.last_error)
    ).all()
    parked: dict[str, Counter[str]] = {}
    for customer_id, reason, number in rows:
        parked.setdefault(customer_id, Counter())[reason or "awaiting_agent"] += number
    return parked


def list_customers(
    db: Session, limit: int, offset: int, query: str | None = None, claim_status: str | None = None
) -> tuple[list[CustomerRow], int]:
    """A page of customers, newest first, with everything the admin list shows; and the total."""
    conditions = []
    if query and query.strip():
        conditions.append(_search(query))
    if claim_status:
        conditions.append(_with_claim_status(claim_status))
    total = db.exec(select(func.count()).select_from(Customer).where(*conditions)).one()
    customers = db.exec(
        select(Customer)
        .where(*conditions)
        .order_by(col(Customer.created_at).desc(), col(Customer.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [customer.id for customer in customers]
    owners, contacts = _owners(db, ids), _external_contacts(db, ids)
    bindings, channels, parked = (
        _bindings(db, ids),
        _channel_counts(db, ids),
        _parked(db, ids),
    )
    rows = []
    for customer in customers:
        owner = owners.get(customer.id)
        binding, agent = bindings.get(customer.id, (None, None))
        rows.append(
            CustomerRow(
                id=customer.id,
                display_name=customer.display_name,
                kind=customer.kind,
                suspended=customer.suspended,
                created_at=customer.created_at,
                contact=(owner.email if owner and owner.email else None)
                or contacts.get(customer.id),
                claim_status=owner.claim_status if owner else None,
                agent=agent.slug if agent else None,
                provision_status=binding.provision_status if binding else None,
                channels=dict(channels.get(customer.id, {})),
                parked=sum(parked.get(customer.id, Counter()).values()),
                parked_reasons=sorted(parked.get(customer.id, Counter())),
            )
        )
    return rows, total


def list_channels(
    db: Session, limit: int, offset: int, status: str | None = None, kind: str | None = None
) -> tuple[list[Channel], int]:
    """A page of channels, most recently active first, and the total."""
    conditions = []
    if status:
        conditions.append(Channel.status == status)
    if kind:
        conditions.append(Channel.kind == kind)
    total = db.exec(select(func.count()).select_from(Channel).where(*conditions)).one()
    rows = db.exec(
        select(Channel)
        .where(*conditions)
        .order_by(
            col(Channel.last_activity_at).desc().nulls_last(),
            col(Channel.created_at).desc(),
            col(Channel.id),
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total
