"""The agent runtime's bridge calls: binding end users and conversations to Coke accounts.

A Coke account is one of our customers (`ck_` id). The runtime's bridge asks the gateway to
bind a channel's end user to an account, to bind a conversation and upsert the account's delivery
route for it, and to make sure an account is provisioned as a gateway user. The gateway user of
a customer needs no table: its id, `clawscale_user_id`, is derived from the tenant and customer.

Provisioning readiness: a customer is ready to serve when it is not suspended and an agent can
serve it, i.e. it has an agent binding or a default agent exists to bind it to. Otherwise the
call answers `provision_not_ready` (the runtime retries later).
"""

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, col, select

from clawscale.domain.errors import Conflict, NotFound, Unavailable
from clawscale.domain.outbox.routes import upsert_delivery_route
from clawscale.models import Agent, AgentBinding, Conversation, Customer, EndUser
from clawscale.models.base import utcnow

CLAWSCALE_USER_PREFIX = "csu_"


@dataclass(frozen=True)
class EndUserBinding:
    """The answer of binding an end user: `data` of `POST /api/internal/coke-bindings`."""

    clawscale_user_id: str
    end_user_id: str
    coke_account_id: str


@dataclass(frozen=True)
class DeliveryBinding:
    """What the runtime asks: bind this conversation to an account under a business key."""

    conversation_id: str
    account_id: str
    business_conversation_key: str
    channel_id: str
    end_user_id: str
    external_end_user_id: str


@dataclass(frozen=True)
class BoundRoute:
    """The route a bound conversation delivers by: `data` of `POST /api/internal/coke-delivery`."""

    tenant_id: str
    account_id: str
    business_conversation_key: str
    channel_id: str
    end_user_id: str
    external_end_user_id: str
    is_active: bool


@dataclass(frozen=True)
class ProvisionedUser:
    """The answer of provisioning: `data` of `POST /api/internal/coke-users/provision`."""

    tenant_id: str
    clawscale_user_id: str


def clawscale_user_id(tenant_id: str, customer_id: str) -> str:
    """The gateway's stable user id for a customer within a tenant (deterministic, no table)."""
    digest = hashlib.sha256(f"{tenant_id}:{customer_id}".encode()).hexdigest()
    return CLAWSCALE_USER_PREFIX + digest[:24]


def require_platform_tenant(tenant_id: str | None, platform_tenant_id: str) -> str:
    """The platform tenant; NotFound `tenant_not_found` when the caller named another."""
    if tenant_id is not None and tenant_id != platform_tenant_id:
        raise NotFound("tenant_not_found", "This gateway serves another tenant.")
    return platform_tenant_id


def _customer(db: Session, customer_id: str) -> Customer:
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("coke_account_not_found", "No such Coke account.")
    return customer


def _end_user_on_channel(db: Session, channel_id: str, external_id: str) -> EndUser:
    end_user = db.exec(
        select(EndUser).where(EndUser.channel_id == channel_id, EndUser.external_id == external_id)
    ).first()
    if end_user is None:
        raise NotFound("end_user_not_found", "No such end user on this channel.")
    return end_user


def _conversations_of(db: Session, end_user: EndUser) -> list[Conversation]:
    return list(db.exec(select(Conversation).where(Conversation.end_user_id == end_user.id)))


def _require_unbound_or(customer_id: str, *bound_to: str | None) -> None:
    """Conflict `end_user_already_bound` when any binding names another customer."""
    if any(owner not in (None, customer_id) for owner in bound_to):
        raise Conflict("end_user_already_bound", "The end user belongs to another account.")


def bind_end_user(
    db: Session, tenant_id: str, channel_id: str, external_id: str, customer_id: str
) -> EndUserBinding:
    """Bind a channel's end user, and its conversations, to a customer; idempotent."""
    end_user = _end_user_on_channel(db, channel_id, external_id)
    customer = _customer(db, customer_id)
    conversations = _conversations_of(db, end_user)
    _require_unbound_or(customer.id, end_user.customer_id, *(c.customer_id for c in conversations))
    end_user.customer_id = customer.id
    db.add(end_user)
    for conversation in conversations:
        if conversation.customer_id is None:
            conversation.customer_id = customer.id
            conversation.updated_at = utcnow()
            db.add(conversation)
    db.flush()
    return EndUserBinding(clawscale_user_id(tenant_id, customer.id), end_user.id, customer.id)


def _conversation(db: Session, conversation_id: str) -> Conversation:
    conversation = db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("conversation_not_found", "No such conversation.")
    return conversation


def _require_same_identity(conversation: Conversation, binding: DeliveryBinding) -> None:
    stored = (conversation.channel_id, conversation.end_user_id)
    if stored != (binding.channel_id, binding.end_user_id):
        raise Conflict(
            "conversation_identity_mismatch",
            "The conversation belongs to another channel or end user.",
        )


def _require_same_external_id(end_user: EndUser, binding: DeliveryBinding) -> None:
    if end_user.external_id != binding.external_end_user_id:
        raise Conflict(
            "external_end_user_mismatch", "The end user has another external id on this channel."
        )


def _require_bindable(
    conversation: Conversation, end_user: EndUser, binding: DeliveryBinding
) -> None:
    """Conflict `conversation_binding_conflict` when already bound to another account or key."""
    owners = {conversation.customer_id, end_user.customer_id} - {None}
    keys = {conversation.business_conversation_key} - {None}
    if owners - {binding.account_id} or keys - {binding.business_conversation_key}:
        raise Conflict(
            "conversation_binding_conflict",
            "The conversation is bound to another account or business conversation key.",
        )


def _bind(
    db: Session, conversation: Conversation, customer_id: str, business_conversation_key: str
) -> None:
    """Set the conversation's account and key; nothing is written when they are already set."""
    if (conversation.customer_id, conversation.business_conversation_key) == (
        customer_id,
        business_conversation_key,
    ):
        return
    conversation.customer_id = customer_id
    conversation.business_conversation_key = business_conversation_key
    conversation.updated_at = utcnow()
    db.add(conversation)


def bind_conversation(db: Session, tenant_id: str, binding: DeliveryBinding) -> BoundRoute:
    """Bind the conversation to the account and key, and upsert the route; idempotent.

    The request must describe the conversation as stored: its channel, its end user and that end
    user's external id.
    """
    conversation = _conversation(db, binding.conversation_id)
    customer = _customer(db, binding.account_id)
    _require_same_identity(conversation, binding)
    end_user = db.get_one(EndUser, conversation.end_user_id)
    _require_same_external_id(end_user, binding)
    _require_bindable(conversation, end_user, binding)
    _bind(db, conversation, customer.id, binding.business_conversation_key)
    route = upsert_delivery_route(
        db,
        customer.id,
        binding.business_conversation_key,
        conversation.channel_id,
        end_user.id,
        end_user.external_id,
    )
    return BoundRoute(
        tenant_id,
        route.customer_id,
        route.business_conversation_key,
        route.channel_id,
        route.end_user_id,
        route.external_end_user_id,
        route.is_active,
    )


def _has_agent(db: Session, customer: Customer) -> bool:
    """Whether an agent serves the customer: its own binding, or a default agent to bind."""
    binding = select(AgentBinding.id).where(AgentBinding.customer_id == customer.id)
    default_agent = select(Agent.id).where(col(Agent.is_default).is_(True))
    return any(db.exec(query).first() is not None for query in (binding, default_agent))


def _require_ready(db: Session, customer: Customer) -> None:
    """Unavailable `provision_not_ready` while the customer cannot be served."""
    if customer.suspended:
        raise Unavailable("provision_not_ready", "The account is suspended.")
    if not _has_agent(db, customer):
        raise Unavailable("provision_not_ready", "No agent is configured to serve the account.")


def provision_user(
    db: Session, tenant_id: str, customer_id: str, display_name: str | None = None
) -> ProvisionedUser:
    """Make sure the customer is a gateway user, renaming it when a display name is given."""
    customer = _customer(db, customer_id)
    _require_ready(db, customer)
    if display_name and display_name != customer.display_name:
        customer.display_name = display_name
        db.add(customer)
        db.flush()
    return ProvisionedUser(tenant_id, clawscale_user_id(tenant_id, customer.id))
