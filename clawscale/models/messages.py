"""Messages in flight: inbound events from providers, the outbound outbox and its attempts."""

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


class InboundStatus(StrEnum):
    """Where an inbound event is on its way to the runtime."""

    RECEIVED = "received"
    PARKED = "parked"
    FORWARDED = "forwarded"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """Where an outbound delivery is on its way to the channel."""

    PENDING = "pending"
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"


WAITING_ROWS = "status = 'received'"
"""The inbound events waiting to be forwarded (SQL, for the partial index of them)."""
PARKED_ROWS = "status = 'parked'"
"""The inbound events held until their customer may be served (SQL, for their partial index)."""


INBOUND_EVENT_ID_PREFIX = "ie"
"""How inbound event ids begin (the intake writes its rows without the model)."""


class InboundEvent(SQLModel, table=True):
    """A provider message, stored (deduplicated by message id) before it is acknowledged."""

    __tablename__ = "inbound_event"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "provider_message_id"),
        partial_index("ix_inbound_event_parked", "created_at", "id", where=PARKED_ROWS),
        sa.Index("ix_inbound_event_customer_order", "customer_id", "status", "created_at", "id"),
        partial_index("ix_inbound_event_waiting_created", "created_at", "id", where=WAITING_ROWS),
    )

    id: str = id_field(INBOUND_EVENT_ID_PREFIX)
    channel_id: str = foreign_key_field("channel.id", index=False)  # the unique key leads
    provider_message_id: str = Field(max_length=255)
    customer_id: str | None = foreign_key_field("customer.id", nullable=True, index=False)
    end_user_id: str | None = foreign_key_field("end_user.id", nullable=True)
    conversation_id: str | None = foreign_key_field("conversation.id", nullable=True)
    payload: dict[str, object] = json_field()
    status: InboundStatus = enum_field(InboundStatus.RECEIVED)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = timestamp_field()
    lease_owner: str | None = Field(default=None, max_length=80, nullable=True)
    lease_expires_at: datetime | None = timestamp_field()
    last_error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


UNFINISHED_ROWS = "status IN ('pending', 'sending', 'failed')"
"""The outbox rows a dispatcher may still claim (SQL, for the partial index of them)."""
OPEN_CONVERSATION_ROWS = "status NOT IN ('succeeded', 'dead')"
"""The same rows named by the statuses they have not reached (SQL, for the partial index of the
unfinished deliveries by conversation). The claim's head check is written this way too, so that
index is the only one PostgreSQL can prove holds every row the check asks for; see
`outbox.dispatch.CONVERSATION_HEAD`."""


class OutboundDelivery(SQLModel, table=True):
    """The outbox: one row per idempotency key, committed before any send."""

    __tablename__ = "outbound_delivery"
    __table_args__ = (
        sa.Index("ix_outbound_delivery_status_created", "status", "created_at", "id"),
        sa.Index("ix_outbound_delivery_created", "created_at", "id"),
        sa.Index("ix_outbound_delivery_channel_created", "channel_id", "created_at", "id"),
        sa.Index("ix_outbound_delivery_customer_created", "customer_id", "created_at", "id"),
        partial_index(
            "ix_outbound_delivery_unfinished_created", "created_at", "id", where=UNFINISHED_ROWS
        ),
        partial_index(
            "ix_outbound_delivery_open_conversation",
            "customer_id",
            "business_conversation_key",
            "created_at",
            "id",
            where=OPEN_CONVERSATION_ROWS,
        ),
    )

    id: str = id_field("od")
    idempotency_key: str = Field(max_length=255, unique=True)
    payload: dict[str, object] = json_field()
    payload_hash: str = Field(max_length=64)
    customer_id: str = Field(foreign_key="customer.id", max_length=40)
    business_conversation_key: str = Field(max_length=255)
    channel_id: str = Field(foreign_key="channel.id", max_length=40)
    target: str = Field(max_length=255, description="the external end user id")
    provider_context: dict[str, object] = json_field()
    status: DeliveryStatus = enum_field(DeliveryStatus.PENDING)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = timestamp_field()
    lease_owner: str | None = Field(default=None, max_length=80, nullable=True)
    lease_expires_at: datetime | None = timestamp_field()
    provider_message_id: str | None = Field(default=None, max_length=255, nullable=True)
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DeliveryAttempt(SQLModel, table=True):
    """One try at sending an outbound delivery."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (sa.UniqueConstraint("delivery_id", "attempt_number"),)

    id: str = id_field("da")
    delivery_id: str = foreign_key_field(
        "outbound_delivery.id", index=False
    )  # the unique key leads
    attempt_number: int
    started_at: datetime = created_at_field()
    finished_at: datetime | None = timestamp_field()
    succeeded: bool = Field(default=False)
    provider_message_id: str | None = Field(default=None, max_length=255, nullable=True)
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
