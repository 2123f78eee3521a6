"""mail queue

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:10:00

`email_message` becomes a queue the mail worker takes rows from under a lease: attempts, next
attempt, lease, last change; an index of the waiting rows and one for listing by status. Rows
that failed under the old one-shot send were never retried: they become `dead`, so the console
shows them as given up (and an admin may resend them) rather than the worker sending old links.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from clawscale.models.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING_MAIL = "status IN ('pending', 'sending', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("email_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lease_expires_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE email_message SET status = 'dead' WHERE status = 'failed'")
    op.execute("UPDATE email_message SET updated_at = created_at")
    with op.batch_alter_table("email_message", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)
        batch_op.alter_column(
            "updated_at", existing_type=UTCDateTime(timezone=True), nullable=False
        )
        batch_op.create_index(
            "ix_email_message_status_created", ["status", "created_at", "id"], unique=False
        )
    op.create_index(
        "ix_email_message_waiting_created",
        "email_message",
        ["created_at", "id"],
        sqlite_where=sa.text(WAITING_MAIL),
        postgresql_where=sa.text(WAITING_MAIL),
    )


def downgrade() -> None:
    op.drop_index("ix_email_message_waiting_created", table_name="email_message")
    op.execute(
        "UPDATE email_message SET status = 'failed' WHERE status IN ('pending', 'sending', 'dead')"
    )
    with op.batch_alter_table("email_message", schema=None) as batch_op:
        batch_op.drop_index("ix_email_message_status_created")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
