"""web chat messages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:00:00

`web_chat_message`: the messages of web chat conversations (the visitor's and the agent's), one
row per (channel, visitor, dedupe key), read by visitor in time order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from clawscale.models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_chat_message",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("visitor_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "visitor_id", "dedupe_key"),
    )
    op.create_index(
        "ix_web_chat_message_visitor_time",
        "web_chat_message",
        ["channel_id", "visitor_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_web_chat_message_visitor_time", table_name="web_chat_message")
    op.drop_table("web_chat_message")
