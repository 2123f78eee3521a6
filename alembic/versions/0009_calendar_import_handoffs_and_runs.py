"""calendar import hand-offs and runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:35:40

`calendar_import_handoff`: the single-use links a runtime asks for (only the token's SHA-256
is kept). `calendar_import_run`: one import of a customer's Google calendar, with its PKCE
verifier and Google's tokens encrypted while it is unfinished; a partial unique index keeps one
unfinished run per customer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import clawscale.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_import_handoff",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column(
            "source_customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False
        ),
        sa.Column("target_customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("target_identity_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("identity_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("identity_value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("end_user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "gateway_conversation_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column(
            "business_conversation_key",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=False,
        ),
        sa.Column(
            "target_conversation_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "target_character_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("expires_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consumed_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["target_customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["target_identity_id"],
            ["identity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_import_handoff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_import_handoff_source_customer_id"),
            ["source_customer_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_import_handoff_target_customer_id"),
            ["target_customer_id"],
            unique=False,
        )

    op.create_table(
        "calendar_import_run",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("identity_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column(
            "target_conversation_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column(
            "target_character_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("target_timezone", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("trigger_source", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column(
            "provider_account_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True
        ),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("error_summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("code_verifier_encrypted", sa.Text(), nullable=True),
        sa.Column("tokens_encrypted", sa.Text(), nullable=True),
        sa.Column("started_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", clawscale.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calendar_import_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calendar_import_run_latest",
            ["customer_id", "identity_id", "started_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ux_calendar_import_run_unfinished",
            ["customer_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('authorizing', 'importing')"),
            postgresql_where=sa.text("status IN ('authorizing', 'importing')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_import_run", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_calendar_import_run_unfinished",
            sqlite_where=sa.text("status IN ('authorizing', 'importing')"),
            postgresql_where=sa.text("status IN ('authorizing', 'importing')"),
        )
        batch_op.drop_index("ix_calendar_import_run_latest")

    op.drop_table("calendar_import_run")
    with op.batch_alter_table("calendar_import_handoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_import_handoff_target_customer_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_import_handoff_source_customer_id"))

    op.drop_table("calendar_import_handoff")
