"""Where an inbound message belongs: its customer, end user, conversation and first status.

`place_message` finds or makes every row a message needs: the sender's customer (a shared
channel's first contact provisions one: customer, unclaimed identity, owner membership), the
end user, the conversation, its delivery route (active, pointing at the end user) and the
customer's agent binding. The message starts `received` when the binding is `ready`, `parked`
while it is not (or while no agent serves the channel), `failed` for a blocked end user.
"""

from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from clawscale.channels.base import InboundMessage
from clawscale.db import insert_or_find
from clawscale.domain.accounts.identities import (
    find_or_create_external_identity,
    identity_type_for_provider,
)
from clawscale.domain.outbox.routes import upsert_delivery_route
from clawscale.domain.queue.signals import INBOUND
from clawscale.domain.runtime.agents import agent_for_channel, ensure_binding
from clawscale.models import (
    AgentBinding,
    Channel,
    ChannelScope,
    ClaimStatus,
    Conversation,
    Customer,
    EndUser,
    Identity,
    InboundEvent,
    InboundStatus,
    Membership,
    MembershipRole,
    ProvisionStatus,
)
from clawscale.models.base import utcnow

Row = TypeVar("Row", EndUser, Conversation)


@dataclass(frozen=True)
class Placement:
    """Where a new event belongs, and the status it starts in."""

    customer_id: str
    end_user_id: str
    conversation_id: str
    status: InboundStatus
    last_error: str | None


def new_unclaimed_customer(db: Session, display_name: str) -> Customer:
    """A customer for a person first met on a shared channel: unclaimed identity, owner."""
    customer = Customer(display_name=display_name)
    identity = Identity(display_name=display_name, claim_status=ClaimStatus.UNCLAIMED)
    db.add(customer)
    db.add(identity)
    db.flush()
    db.add(Membership(identity_id=identity.id, customer_id=customer.id, role=MembershipRole.OWNER))
    db.flush()
    return customer


def _sender_customer(db: Session, channel: Channel, message: InboundMessage) -> Customer:
    """A personal channel serves its owner (the peer is recorded as an external identity, first
    seen with this owner); a shared channel's sender is their own customer, provisioned on
    first contact."""
    if channel.scope == ChannelScope.PERSONAL:
        customer = db.get(Customer, channel.owner_customer_id)
        assert customer is not None, "a personal channel always has its owner"
        find_or_create_external_identity(
            db,
            channel.kind,
            identity_type_for_provider(channel.kind),
            message.sender_id,
            customer_id=customer.id,
            channel_id=channel.id,
        )
        return customer
    identity = find_or_create_external_identity(
        db,
        channel.kind,
        identity_type_for_provider(channel.kind),
        message.sender_id,
        customer_factory=lambda session: new_unclaimed_customer(
            session, message.sender_name or message.sender_id
        ),
        channel_id=channel.id,
    )
    customer = db.get(Customer, identity.customer_id)
    assert customer is not None
    return customer


def _found_or_added(db: Session, model: type[Row], key: dict[str, str], **values: object) -> Row:
    """The `model` row with the unique `key`, else a new one with `values` too (the winner's
    row if a concurrent insert of the same key wins)."""

    def find() -> Row | None:
        return db.exec(select(model).filter_by(**key)).first()

    def insert() -> Row:
        row = model(**key, **values)
        db.add(row)
        db.flush()
        return row

    return find() or insert_or_find(db, insert, find)


def _end_user(
    db: Session, channel: Channel, message: InboundMessage, customer: Customer
) -> EndUser:
    key = {"channel_id": channel.id, "external_id": message.sender_id}
    return _found_or_added(
        db, EndUser, key, display_name=message.sender_name, customer_id=customer.id
    )


def _conversation(
    db: Session, channel: Channel, end_user: EndUser, customer: Customer
) -> Conversation:
    key = {"channel_id": channel.id, "end_user_id": end_user.id}
    return _found_or_added(db, Conversation, key, customer_id=customer.id)


class KeyedConversation(Protocol):
    """A conversation row, or the columns of one a statement read: what its key is made of."""

    @property
    def id(self) -> str: ...

    @property
    def business_conversation_key(self) -> str | None: ...


def conversation_key(conversation: KeyedConversation) -> str:
    """The key replies use: the runtime's business key once bound, else the conversation id."""
    return conversation.business_conversation_key or conversation.id


CONVERSATION_KEY_SQL = sa.func.coalesce(
    sa.func.nullif(Conversation.business_conversation_key, ""), Conversation.id
)
"""`conversation_key` in SQL, for statements that read it with the conversation's row."""


def first_status(
    blocked: bool, has_agent: bool, binding: ProvisionStatus | None
) -> tuple[InboundStatus, str | None]:
    """A new event's status and reason, from its end user, the channel's agent (if any) and the
    customer's binding with it (None when there is none yet)."""
    if blocked:
        return InboundStatus.FAILED, "end_user_blocked"
    if not has_agent:
        return InboundStatus.PARKED, "no_agent_configured"
    if binding != ProvisionStatus.READY:
        return InboundStatus.PARKED, None
    return InboundStatus.RECEIVED, None


def confirm_parking(db: Session, placement: Placement) -> Placement:
    """Re-read a binding that was not ready, under a share lock, before a message is parked for
    it: provisioning makes the binding ready and releases its parked events in one transaction,
    which waits for this lock, so either this message sees the binding ready (and is due at
    once) or its release sees this message parked. Without the re-read, a message parked just
    after the release ran would wait for good."""
    if placement.status != InboundStatus.PARKED or placement.last_error is not None:
        return placement
    binding_status = db.exec(
        select(AgentBinding.provision_status)
        .where(AgentBinding.customer_id == placement.customer_id)
        .with_for_update(read=True)
    ).first()
    if binding_status != ProvisionStatus.READY:
        return placement
    return replace(placement, status=InboundStatus.RECEIVED)


def release_parked(db: Session, *conditions: Any) -> int:
    """Make the parked events that meet `conditions` due for forwarding now (waking the inbound
    workers); how many."""
    released = db.exec(
        update(InboundEvent)
        .where(col(InboundEvent.status) == InboundStatus.PARKED, *conditions)
        .values(status=InboundStatus.RECEIVED, next_attempt_at=utcnow(), last_error=None)
    )
    if released.rowcount:
        INBOUND.announce(db)
    return released.rowcount or 0


def place_message(db: Session, channel: Channel, message: InboundMessage) -> Placement:
    """Find or make the customer, end user, conversation, route and binding of a message (the
    sender is recorded as seen now)."""
    customer = _sender_customer(db, channel, message)
    end_user = _end_user(db, channel, message, customer)
    conversation = _conversation(db, channel, end_user, customer)
    upsert_delivery_route(
        db,
        customer.id,
        conversation_key(conversation),
        channel.id,
        end_user.id,
        end_user.external_id,
        dict(message.provider_context) or None,
    )
    agent = None if end_user.blocked else agent_for_channel(db, channel)
    binding = ensure_binding(db, customer.id, agent) if agent else None
    status, error = first_status(
        end_user.blocked, agent is not None, binding.provision_status if binding else None
    )
    return Placement(customer.id, end_user.id, conversation.id, status, error)
