"""The one inbound path for every channel kind: `route_inbound_message`.

The event is stored first, deduplicated by (channel, provider message id), so a provider's
redelivery is acknowledged and goes nowhere. Then, in the same transaction: the sender's
customer (a shared channel's first contact provisions one: customer, unclaimed identity, owner
membership), the agent binding, the end user, the conversation and its delivery route. The
event is `received` (due to be forwarded to the runtime after commit) when the customer's
binding is `ready`, else `parked` until it is.
"""

from dataclasses import dataclass, replace

from sqlmodel import Session, select

from clawscale.channels.base import InboundMessage
from clawscale.db import insert_or_find
from clawscale.domain.agents import agent_for_channel, ensure_binding
from clawscale.domain.identities import find_or_create_external_identity, identity_type_for_provider
from clawscale.domain.routing import upsert_delivery_route
from clawscale.models import (
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


@dataclass(frozen=True)
class InboundOutcome:
    """The stored event, and whether it had been stored before (a redelivery)."""

    event: InboundEvent
    duplicate: bool


def _stored_event(db: Session, channel_id: str, provider_message_id: str) -> InboundEvent | None:
    return db.exec(
        select(InboundEvent).where(
            InboundEvent.channel_id == channel_id,
            InboundEvent.provider_message_id == provider_message_id,
        )
    ).first()


def _message_payload(message: InboundMessage) -> dict[str, object]:
    return {
        "text": message.text,
        "attachments": list(message.attachments),
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "provider_context": dict(message.provider_context),
    }


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


def _end_user(
    db: Session, channel: Channel, message: InboundMessage, customer: Customer
) -> EndUser:
    def find() -> EndUser | None:
        return db.exec(
            select(EndUser).where(
                EndUser.channel_id == channel.id, EndUser.external_id == message.sender_id
            )
        ).first()

    def insert() -> EndUser:
        end_user = EndUser(
            channel_id=channel.id,
            external_id=message.sender_id,
            display_name=message.sender_name,
            customer_id=customer.id,
        )
        db.add(end_user)
        db.flush()
        return end_user

    return find() or insert_or_find(db, insert, find)


def _conversation(
    db: Session, channel: Channel, end_user: EndUser, customer: Customer
) -> Conversation:
    def find() -> Conversation | None:
        return db.exec(
            select(Conversation).where(
                Conversation.channel_id == channel.id, Conversation.end_user_id == end_user.id
            )
        ).first()

    def insert() -> Conversation:
        conversation = Conversation(
            channel_id=channel.id, end_user_id=end_user.id, customer_id=customer.id
        )
        db.add(conversation)
        db.flush()
        return conversation

    return find() or insert_or_find(db, insert, find)


def conversation_key(conversation: Conversation) -> str:
    """The key replies use: the runtime's business key once bound, else the conversation id."""
    return conversation.business_conversation_key or conversation.id


def _initial_status(
    db: Session, channel: Channel, customer: Customer, end_user: EndUser
) -> tuple[InboundStatus, str | None]:
    if end_user.blocked:
        return InboundStatus.FAILED, "end_user_blocked"
    agent = agent_for_channel(db, channel)
    if agent is None:
        return InboundStatus.PARKED, "no_agent_configured"
    binding = ensure_binding(db, customer.id, agent)
    if binding.provision_status != ProvisionStatus.READY:
        return InboundStatus.PARKED, None
    return InboundStatus.RECEIVED, None


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def route_inbound_message(db: Session, channel: Channel, message: InboundMessage) -> InboundOutcome:
    """Store and route one inbound message; the caller commits, then acknowledges the provider.

    NUL characters, which PostgreSQL text cannot hold, are dropped from the message first.
    """
    message = replace(
        message,
        provider_message_id=_without_nul(message.provider_message_id),
        sender_id=_without_nul(message.sender_id),
        sender_name=_without_nul(message.sender_name),
        text=_without_nul(message.text),
    )
    existing = _stored_event(db, channel.id, message.provider_message_id)
    if existing is not None:
        return InboundOutcome(existing, duplicate=True)
    event = InboundEvent(
        channel_id=channel.id,
        provider_message_id=message.provider_message_id,
        payload=_message_payload(message),
    )

    def insert() -> InboundEvent:
        db.add(event)
        db.flush()
        return event

    stored = insert_or_find(
        db, insert, lambda: _stored_event(db, channel.id, message.provider_message_id)
    )
    if stored is not event:
        return InboundOutcome(stored, duplicate=True)
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
    event.status, event.last_error = _initial_status(db, channel, customer, end_user)
    event.customer_id = customer.id
    event.end_user_id = end_user.id
    event.conversation_id = conversation.id
    event.next_attempt_at = utcnow()
    channel.last_activity_at = utcnow()
    db.add(event)
    db.add(channel)
    db.flush()
    return InboundOutcome(event, duplicate=False)
