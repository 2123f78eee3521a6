"""Channels and the people and conversations reached through them."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import (
    created_at_field,
    enum_field,
    foreign_key_field,
    id_field,
    json_field,
    partial_index,
    timestamp_field,
)


class ChannelScope(StrEnum):
    """Personal channels belong to a customer; shared ones to an agent."""

    PERSONAL = "personal"
    SHARED = "shared"


class ChannelStatus(StrEnum):
    """A channel's lifecycle state."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    PENDING = "pending"
    ERROR = "error"
    ARCHIVED = "archived"


class Channel(SQLModel, table=True):
    """A connection to one chat account; config and secrets are encrypted at rest."""

    __tablename__ = "channel"
    __table_args__ = (
        partial_index(
            "uq_channel_live_personal",
            "owner_customer_id",
            "kind",
            where="scope = 'personal' AND status != 'archived'",
            unique=True,
        ),
        sa.Index("ix_channel_kind_status", "kind", "status"),
    )

    id: str = id_field("ch")
    kind: str = Field(max_length=40)
    scope: ChannelScope = enum_field(ChannelScope.PERSONAL)
    owner_customer_id: str | None = foreign_key_field("customer.id", nullable=True)
    owner_agent_id: str | None = foreign_key_field("agent.id", nullable=True)
    name: str = Field(default="", max_length=200)
    status: ChannelStatus = enum_field(ChannelStatus.PENDING)
    config_encrypted: str = Field(default="", sa_type=sa.Text)
    secrets_encrypted: str = Field(default="", sa_type=sa.Text)
    poll_cursor: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    lease_owner: str | None = Field(default=None, max_length=80, nullable=True)
    lease_expires_at: datetime | None = timestamp_field()
    last_error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    last_activity_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class EndUser(SQLModel, table=True):
    """A person on the far side of a channel, (channel, external id) unique."""

    __tablename__ = "end_user"
    __table_args__ = (sa.UniqueConstraint("channel_id", "external_id"),)

    id: str = id_field("eu")
    channel_id: str = foreign_key_field("channel.id")
    external_id: str = Field(max_length=255)
    display_name: str = Field(default="", max_length=200)
    blocked: bool = Field(default=False)
    customer_id: str | None = foreign_key_field("customer.id", nullable=True)
    created_at: datetime = created_at_field()


class Conversation(SQLModel, table=True):
    """One end user's conversation on one channel."""

    __tablename__ = "conversation"
    __table_args__ = (sa.UniqueConstraint("channel_id", "end_user_id"),)

    id: str = id_field("cv")
    channel_id: str = foreign_key_field("channel.id")
    end_user_id: str = foreign_key_field("end_user.id")
    customer_id: str | None = foreign_key_field("customer.id", nullable=True)
    business_conversation_key: str | None = Field(default=None, max_length=255, nullable=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DeliveryRoute(SQLModel, table=True):
    """Where replies for (customer, business conversation key) go; only active routes resolve."""

    __tablename__ = "delivery_route"

    customer_id: str = Field(foreign_key="customer.id", primary_key=True, max_length=40)
    business_conversation_key: str = Field(primary_key=True, max_length=255)
    channel_id: str = foreign_key_field("channel.id")
    end_user_id: str = foreign_key_field("end_user.id")
    external_end_user_id: str = Field(max_length=255)
    provider_context: dict[str, object] = json_field()
    is_active: bool = Field(default=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
