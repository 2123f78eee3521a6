"""Agent runtimes: their endpoints and write-only tokens, and which agent serves a customer.

An admin's registrations and edits are audited in the same transaction (the admin API and the
console both call `register_agent` and `edit_agent`)."""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select, update

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.db import insert_or_find
from clawscale.domain.audit import record_admin_action
from clawscale.domain.errors import Conflict, NotFound
from clawscale.domain.queue.signals import INBOUND
from clawscale.domain.sorting import Sort, order_by
from clawscale.models import Agent, AgentBinding, Channel, ChannelScope, ProvisionStatus
from clawscale.models.agents import DEFAULT_FORWARD_TIMEOUT_SECONDS
from clawscale.models.base import utcnow
from clawscale.settings import Settings

AUDIT_TARGET = "agent"


def create_agent(
    db: Session,
    settings: Settings,
    slug: str,
    name: str,
    endpoint: str,
    token: str,
    *,
    is_default: bool = False,
    provisioning_url: str | None = None,
    forward_timeout_seconds: int = DEFAULT_FORWARD_TIMEOUT_SECONDS,
) -> Agent:
    """Store an agent; its token is encrypted at rest. With no `provisioning_url` its customers
    need no announcement: their bindings are ready at once."""
    agent = Agent(
        slug=slug,
        name=name,
        endpoint=endpoint,
        provisioning_url=provisioning_url or None,
        forward_timeout_seconds=forward_timeout_seconds,
        token_encrypted=encrypt_text(settings.CLAWSCALE_SECRET_KEY, token) if token else "",
        is_default=is_default,
    )
    db.add(agent)
    db.flush()
    return agent


def decrypted_token(settings: Settings, token_encrypted: str) -> str:
    """An agent's bearer token from its stored form ("" when none is set)."""
    if not token_encrypted:
        return ""
    return decrypt_text(settings.CLAWSCALE_SECRET_KEY, token_encrypted) or ""


def agent_token(settings: Settings, agent: Agent) -> str:
    """The agent's bearer token, decrypted ("" when none is set)."""
    return decrypted_token(settings, agent.token_encrypted)


def default_agent(db: Session) -> Agent | None:
    """The agent that serves customers no channel assigns to another."""
    return db.exec(select(Agent).where(Agent.is_default)).first()


def own_agent_id(channel: Channel) -> str | None:
    """The agent a shared channel names for its people, if any (else the default agent serves
    them)."""
    return channel.owner_agent_id if channel.scope == ChannelScope.SHARED else None


def agent_for_channel(db: Session, channel: Channel) -> Agent | None:
    """A shared channel's own agent, else the default agent."""
    agent_id = own_agent_id(channel)
    return db.get(Agent, agent_id) if agent_id else default_agent(db)


def binding_of(db: Session, customer_id: str) -> AgentBinding | None:
    """The customer's agent binding, if any."""
    return db.exec(select(AgentBinding).where(AgentBinding.customer_id == customer_id)).first()


def ensure_binding(db: Session, customer_id: str, agent: Agent) -> AgentBinding:
    """The customer's binding, made on first need: `ready` at once when the agent needs no
    provisioning, else `pending` and due for provisioning now (which wakes the inbound
    workers)."""

    def insert() -> AgentBinding:
        needs_provisioning = agent.provisioning_url is not None
        binding = AgentBinding(
            customer_id=customer_id,
            agent_id=agent.id,
            provision_status=ProvisionStatus.PENDING
            if needs_provisioning
            else ProvisionStatus.READY,
            next_attempt_at=utcnow(),
        )
        db.add(binding)
        db.flush()
        if needs_provisioning:
            INBOUND.announce(db)
        return binding

    existing = binding_of(db, customer_id)
    if existing is not None:
        return existing
    return insert_or_find(db, insert, lambda: binding_of(db, customer_id))


AGENT_SORTS = {
    "name": col(Agent.name),
    "endpoint": col(Agent.endpoint),
    "updated": col(Agent.updated_at),
}


def list_agents(
    db: Session, limit: int, offset: int, sort: Sort | None = None
) -> tuple[list[Agent], int]:
    """A page of agents in `sort` order (by name by default), and how many there are."""
    total = db.exec(select(func.count()).select_from(Agent)).one()
    by_name = (col(Agent.name), col(Agent.id))
    rows = db.exec(
        select(Agent)
        .order_by(*order_by(AGENT_SORTS, sort, by_name, col(Agent.id)))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


def _clear_other_defaults(db: Session, agent_id: str) -> None:
    db.exec(
        update(Agent)
        .where(col(Agent.is_default), col(Agent.id) != agent_id)
        .values(is_default=False)
        .execution_options(synchronize_session=False)
    )


def _slug_taken(db: Session, slug: str, agent_id: str | None) -> bool:
    holder = db.exec(select(Agent).where(Agent.slug == slug)).first()
    return holder is not None and holder.id != agent_id


def register_agent(
    db: Session,
    settings: Settings,
    admin_id: str,
    slug: str,
    name: str,
    endpoint: str,
    token: str,
    is_default: bool,
    *,
    provisioning_url: str | None = None,
    forward_timeout_seconds: int = DEFAULT_FORWARD_TIMEOUT_SECONDS,
) -> Agent:
    """A new agent, audited; becoming the default takes the flag from any other agent."""
    if _slug_taken(db, slug, None):
        raise Conflict("agent_slug_taken", "Another agent already uses this slug.")
    agent = create_agent(
        db,
        settings,
        slug,
        name,
        endpoint,
        token,
        provisioning_url=provisioning_url,
        forward_timeout_seconds=forward_timeout_seconds,
    )
    if is_default:
        set_default_agent(db, agent)
    record_admin_action(db, admin_id, "agent.create", AUDIT_TARGET, agent.id, {"slug": slug})
    return agent


def set_default_agent(db: Session, agent: Agent) -> None:
    """Make `agent` the only default agent (the unique index settles a concurrent race: 409)."""
    try:
        with db.begin_nested():
            _clear_other_defaults(db, agent.id)
            agent.is_default = True
            db.add(agent)
            db.flush()
    except IntegrityError as error:
        raise Conflict(
            "default_agent_conflict", "Another agent became the default meanwhile."
        ) from error


@dataclass(frozen=True)
class AgentChanges:
    """Fields an admin may change; None leaves a field as it is (the token is write-only; an
    empty `provisioning_url` means the agent needs no provisioning)."""

    name: str | None = None
    endpoint: str | None = None
    token: str | None = None
    is_default: bool | None = None
    provisioning_url: str | None = None
    forward_timeout_seconds: int | None = None

    def field_names(self) -> list[str]:
        """The fields this change sets, by name (for the audit log; never a value)."""
        return [name for name, value in vars(self).items() if value is not None]


def update_agent(db: Session, settings: Settings, agent_id: str, changes: AgentChanges) -> Agent:
    """Apply an admin's changes to an agent."""
    agent = db.get(Agent, agent_id, with_for_update=True)
    if agent is None:
        raise NotFound("agent_not_found", "No such agent.")
    if changes.name is not None:
        agent.name = changes.name
    if changes.endpoint is not None:
        agent.endpoint = changes.endpoint
    if changes.provisioning_url is not None:
        agent.provisioning_url = changes.provisioning_url or None
    if changes.forward_timeout_seconds is not None:
        agent.forward_timeout_seconds = changes.forward_timeout_seconds
    if changes.token is not None:
        agent.token_encrypted = (
            encrypt_text(settings.CLAWSCALE_SECRET_KEY, changes.token) if changes.token else ""
        )
    agent.updated_at = utcnow()
    if changes.is_default:
        set_default_agent(db, agent)
    elif changes.is_default is False:
        agent.is_default = False
    db.add(agent)
    db.flush()
    return agent


def edit_agent(
    db: Session, settings: Settings, admin_id: str, agent_id: str, changes: AgentChanges
) -> Agent:
    """`update_agent`, audited with the names of the fields it sets."""
    agent = update_agent(db, settings, agent_id, changes)
    details = {"fields": sorted(changes.field_names())}
    record_admin_action(db, admin_id, "agent.update", AUDIT_TARGET, agent.id, details)
    return agent
