"""Agent runtimes: their endpoints and write-only tokens, and which agent serves a customer."""

from sqlmodel import Session, select

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.db import insert_or_find
from clawscale.models import Agent, AgentBinding, Channel, ChannelScope, ProvisionStatus
from clawscale.models.base import utcnow
from clawscale.settings import Settings


def create_agent(
    db: Session,
    settings: Settings,
    slug: str,
    name: str,
    endpoint: str,
    token: str,
    *,
    is_default: bool = False,
) -> Agent:
    """Store an agent; its token is encrypted at rest."""
    agent = Agent(
        slug=slug,
        name=name,
        endpoint=endpoint,
        token_encrypted=encrypt_text(settings.CLAWSCALE_SECRET_KEY, token) if token else "",
        is_default=is_default,
    )
    db.add(agent)
    db.flush()
    return agent


def agent_token(settings: Settings, agent: Agent) -> str:
    """The agent's bearer token, decrypted ("" when none is set)."""
    if not agent.token_encrypted:
        return ""
    return decrypt_text(settings.CLAWSCALE_SECRET_KEY, agent.token_encrypted) or ""


def default_agent(db: Session) -> Agent | None:
    """The agent that serves customers no channel assigns to another."""
    return db.exec(select(Agent).where(Agent.is_default)).first()


def agent_for_channel(db: Session, channel: Channel) -> Agent | None:
    """A shared channel's own agent, else the default agent."""
    if channel.scope == ChannelScope.SHARED and channel.owner_agent_id:
        return db.get(Agent, channel.owner_agent_id)
    return default_agent(db)


def binding_of(db: Session, customer_id: str) -> AgentBinding | None:
    """The customer's agent binding, if any."""
    return db.exec(select(AgentBinding).where(AgentBinding.customer_id == customer_id)).first()


def ensure_binding(db: Session, customer_id: str, agent: Agent) -> AgentBinding:
    """The customer's binding, created `pending` (due for provisioning now) on first need."""

    def insert() -> AgentBinding:
        binding = AgentBinding(
            customer_id=customer_id,
            agent_id=agent.id,
            provision_status=ProvisionStatus.PENDING,
            next_attempt_at=utcnow(),
        )
        db.add(binding)
        db.flush()
        return binding

    existing = binding_of(db, customer_id)
    if existing is not None:
        return existing
    return insert_or_find(db, insert, lambda: binding_of(db, customer_id))
