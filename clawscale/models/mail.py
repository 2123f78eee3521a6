"""Transactional email the gateway has sent or, in development, kept for a person to read."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, enum_field, id_field


class EmailStatus(StrEnum):
    """What became of an email."""

    KEPT = "kept"
    SENT = "sent"
    FAILED = "failed"


class EmailMessage(SQLModel, table=True):
    """One email: sent through Resend, or kept (no RESEND_API_KEY) for the development mailbox."""

    __tablename__ = "email_message"

    id: str = id_field("em")
    recipient: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=sa.Text)
    html: str = Field(default="", sa_type=sa.Text)
    status: EmailStatus = enum_field(EmailStatus.KEPT)
    provider_message_id: str | None = Field(default=None, max_length=255, nullable=True)
    error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = created_at_field(index=True)
