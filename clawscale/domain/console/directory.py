"""The operators' directory of customers and channels.

Customers come with their contact, agent, channels and parked messages; channels with their
owner and state. A page is built with one query per column family, never one per row, and is
sorted in SQL by a key from `CUSTOMER_SORTS` / `CHANNEL_SORTS`. One customer's profile adds
their conversations, access time and latest deliveries.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from clawscale.domain.billing.access import AccessSummary, access_summary, trial_ends_at
from clawscale.domain.sorting import Sort, order_by
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    EndUser,
    ExternalIdentity,
    Identity,
    InboundEvent,
    InboundStatus,
    Membership,
    MembershipRole,
    OutboundDelivery,
)

CUSTOMER_SORTS = {
    "name": func.lower(Customer.display_name),
    "kind": col(Customer.kind),
    "created": col(Customer.created_at),
}
CHANNEL_SORTS = {
    "name": func.lower(Channel.name),
    "kind": col(Channel.kind),
    "status": col(Channel.status),
    "last_activity": col(Channel.last_activity_at),
    "created": col(Channel.created_at),
}


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
    provision_error: str | None
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
    db: Session,
    limit: int,
    offset: int,
    query: str | None = None,
    claim_status: str | None = None,
    sort: Sort | None = None,
) -> tuple[list[CustomerRow], int]:
    """A page of customers in `sort` order (newest first by default), with everything the
    admin list shows; and the total."""
    conditions = []
    if query and query.strip():
        conditions.append(_search(query))
    if claim_status:
        conditions.append(_with_claim_status(claim_status))
    total = db.exec(select(func.count()).select_from(Customer).where(*conditions)).one()
    customers = db.exec(
        select(Customer)
        .where(*conditions)
        .order_by(
            *order_by(
                CUSTOMER_SORTS,
                sort,
                (col(Customer.created_at).desc(), col(Customer.id).desc()),
                col(Customer.id),
            )
        )
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
                provision_error=binding.last_error if binding else None,
                channels=dict(channels.get(customer.id, {})),
                parked=sum(parked.get(customer.id, Counter()).values()),
                parked_reasons=sorted(parked.get(customer.id, Counter())),
            )
        )
    return rows, total


def list_channels(
    db: Session,
    limit: int,
    offset: int,
    status: str | None = None,
    kind: str | None = None,
    sort: Sort | None = None,
) -> tuple[list[Channel], int]:
    """A page of channels in `sort` order (most recently active first by default), and the
    total."""
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
            *order_by(
                CHANNEL_SORTS,
                sort,
                (
                    col(Channel.last_activity_at).desc().nulls_last(),
                    col(Channel.created_at).desc(),
                    col(Channel.id),
                ),
                col(Channel.id),
            )
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


RECENT_DELIVERIES = 10


@dataclass(frozen=True)
class ConversationRow:
    """One conversation of a customer: on which channel, with whom, and its key."""

    id: str
    channel_kind: str
    channel_name: str
    end_user: str
    business_conversation_key: str | None
    created_at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    """What the customer list does not show of one customer."""

    conversations: list[ConversationRow]
    access: AccessSummary
    trial_ends_at: datetime
    recent_deliveries: list[OutboundDelivery]


def customer_profile(db: Session, customer_id: str) -> CustomerProfile | None:
    """One customer's conversations (newest first), access time and latest deliveries; None
    when there is no such customer."""
    customer = db.get(Customer, customer_id)
    if customer is None:
        return None
    rows = db.exec(
        select(Conversation, Channel.kind, Channel.name, EndUser)
        .join(Channel, col(Channel.id) == col(Conversation.channel_id))
        .join(EndUser, col(EndUser.id) == col(Conversation.end_user_id))
        .where(Conversation.customer_id == customer_id)
        .order_by(col(Conversation.created_at).desc(), col(Conversation.id))
    ).all()
    conversations = [
        ConversationRow(
            conversation.id,
            kind,
            name,
            end_user.display_name or end_user.external_id,
            conversation.business_conversation_key,
            conversation.created_at,
        )
        for conversation, kind, name, end_user in rows
    ]
    deliveries = db.exec(
        select(OutboundDelivery)
        .where(OutboundDelivery.customer_id == customer_id)
        .order_by(col(OutboundDelivery.created_at).desc(), col(OutboundDelivery.id).desc())
        .limit(RECENT_DELIVERIES)
    ).all()
    return CustomerProfile(
        conversations, access_summary(db, customer), trial_ends_at(customer), list(deliveries)
    )
