"""Transactional email: every message the gateway writes, committed before any send, and what
became of it (sent through Resend by the mail worker, retried, given up, or kept unsent)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import (
    created_at_field,
    enum_field,
    id_field,
    partial_index,
    timestamp_field,
)


class EmailStatus(StrEnum):
    """Where an email is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    KEPT = "kept"


WAITING_MAIL = "status IN ('pending', 'sending', 'failed')"
"""The emails the mail worker may still claim (SQL, for the partial index of them)."""


class EmailMessage(SQLModel, table=True):
    """One email: queued for the mail worker, or kept unsent (no RESEND_API_KEY) for the
    development mailbox and the console's mail page."""

    __tablename__ = "email_message"
    __table_args__ = (
        sa.Index("ix_email_message_status_created", "status", "created_at", "id"),
        partial_index("ix_email_message_waiting_created", "created_at", "id", where=WAITING_MAIL),
    )

    id: str = id_field("em")
    recipient: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=sa.Text)
    html: str = Field(default="", sa_type=sa.Text)
    status: EmailStatus = enum_field(EmailStatus.PENDING)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = timestamp_field()
    lease_owner: str | None = Field(default=None, max_length=80, nullable=True)
    lease_expires_at: datetime | None = timestamp_field()
    provider_message_id: str | None = Field(default=None, max_length=255, nullable=True)
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = created_at_field(index=True)
    updated_at: datetime = created_at_field()
