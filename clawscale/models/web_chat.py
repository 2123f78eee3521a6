"""The messages of web chat conversations, as the visitor's page shows them."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, enum_field, foreign_key_field, id_field


class WebChatRole(StrEnum):
    """Who wrote a web chat message."""

    VISITOR = "visitor"
    AGENT = "agent"


class WebChatMessage(SQLModel, table=True):
    """One message of a visitor's web chat, theirs or the agent's.

    `dedupe_key` makes a resent message one row: the visitor's `client_message_id`, or the
    outbox's idempotency key for the agent's replies. The visitor id is the end user's external
    id on the channel.
    """

    __tablename__ = "web_chat_message"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "visitor_id", "dedupe_key"),
        sa.Index("ix_web_chat_message_visitor_time", "channel_id", "visitor_id", "created_at"),
    )

    id: str = id_field("wcm")
    channel_id: str = foreign_key_field("channel.id", index=False)
    visitor_id: str = Field(max_length=40)
    role: WebChatRole = enum_field(WebChatRole.VISITOR)
    text: str = Field(default="", sa_type=sa.Text)
    media_urls: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    dedupe_key: str = Field(max_length=255)
    created_at: datetime = created_at_field()
