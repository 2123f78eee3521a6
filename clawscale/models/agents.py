"""Agent runtimes and which agent serves each customer."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import (
    created_at_field,
    enum_field,
    foreign_key_field,
    id_field,
    partial_index,
    timestamp_field,
)


class ProvisionStatus(StrEnum):
    """Whether the agent runtime has set up a customer."""

    PENDING = "pending"
    READY = "ready"
    ERROR = "error"


DEFAULT_FORWARD_TIMEOUT_SECONDS = 120
"""How long a forward waits for the runtime's answer unless the agent says otherwise: a runtime
may hold the request while its agent thinks (Coke holds it up to 25 s), and the seed's gateway
waited 120 s."""
MIN_FORWARD_TIMEOUT_SECONDS = 1
MAX_FORWARD_TIMEOUT_SECONDS = 600


class Agent(SQLModel, table=True):
    """An agent runtime endpoint; at most one agent is the default.

    `provisioning_url` is where a new customer is announced before their first message is
    forwarded; None means the runtime needs no announcement (as Coke's bridge: the customer id
    travels in every message), so a customer's binding is ready at once.
    """

    __tablename__ = "agent"
    __table_args__ = (
        partial_index("uq_agent_single_default", "is_default", where="is_default", unique=True),
    )

    id: str = id_field("agt")
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    endpoint: str = Field(max_length=2048)
    provisioning_url: str | None = Field(default=None, max_length=2048, nullable=True)
    forward_timeout_seconds: int = Field(default=DEFAULT_FORWARD_TIMEOUT_SECONDS)
    token_encrypted: str = Field(default="", sa_type=sa.Text)
    is_default: bool = Field(default=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AgentBinding(SQLModel, table=True):
    """The one agent that serves a customer, and whether it has provisioned them."""

    __tablename__ = "agent_binding"

    id: str = id_field("agb")
    customer_id: str = Field(foreign_key="customer.id", unique=True, max_length=40)
    agent_id: str = foreign_key_field("agent.id")
    provision_status: ProvisionStatus = enum_field(ProvisionStatus.PENDING, index=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = timestamp_field()
    lease_owner: str | None = Field(default=None, max_length=80, nullable=True)
    lease_expires_at: datetime | None = timestamp_field()
    last_error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
