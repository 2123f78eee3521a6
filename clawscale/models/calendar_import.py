"""Google Calendar import: the hand-off links a runtime asks for, and the import runs.

A hand-off (`calendar_import_handoff`) is a single-use link a person gets in chat; only the
SHA-256 of its token is stored. A run (`calendar_import_run`) is one import of a customer's
primary Google calendar into the runtime: `authorizing` while the person is at Google's consent
screen, `importing` once Google sent them back, then `succeeded`, `succeeded_with_errors` or
`failed`. While a run waits or imports it holds its PKCE verifier and Google's tokens encrypted
under `CLAWSCALE_SECRET_KEY`; both are wiped when it finishes. At most one run of a customer is
unfinished at a time (a partial unique index).
"""

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


class HandoffStatus(StrEnum):
    """Where a hand-off link stands: new, opened by a signed-in customer, or used by a run."""

    PENDING = "pending"
    CLAIMED = "claimed"
    CONSUMED = "consumed"


class ImportRunStatus(StrEnum):
    """The seed's run states."""

    AUTHORIZING = "authorizing"
    IMPORTING = "importing"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_ERRORS = "succeeded_with_errors"
    FAILED = "failed"


class ImportTrigger(StrEnum):
    """What started a run: the account page by itself, or a chat hand-off link."""

    MANUAL_WEB = "manual_web"
    WHATSAPP_HANDOFF = "whatsapp_handoff"


UNFINISHED_RUNS = "status IN ('authorizing', 'importing')"


class CalendarImportHandoff(SQLModel, table=True):
    """A chat person's link to the import page, tied to the conversation that asked for it."""

    __tablename__ = "calendar_import_handoff"

    id: str = id_field("cih")
    token_hash: str = Field(max_length=64, unique=True)
    status: HandoffStatus = enum_field(HandoffStatus.PENDING)
    source_customer_id: str = foreign_key_field("customer.id")
    target_customer_id: str | None = foreign_key_field("customer.id", nullable=True)
    target_identity_id: str | None = foreign_key_field("identity.id", nullable=True, index=False)
    provider: str = Field(max_length=40)
    identity_type: str = Field(max_length=40)
    identity_value: str = Field(max_length=255)
    tenant_id: str = Field(max_length=255)
    channel_id: str = Field(max_length=255)
    end_user_id: str = Field(max_length=255)
    external_id: str = Field(max_length=255)
    gateway_conversation_id: str = Field(max_length=255)
    business_conversation_key: str = Field(max_length=255)
    target_conversation_id: str | None = Field(default=None, max_length=255)
    target_character_id: str | None = Field(default=None, max_length=255)
    expires_at: datetime = created_at_field()
    claimed_at: datetime | None = timestamp_field()
    consumed_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()


class CalendarImportRun(SQLModel, table=True):
    """One import of a customer's primary Google calendar into the runtime."""

    __tablename__ = "calendar_import_run"
    __table_args__ = (
        sa.Index("ix_calendar_import_run_latest", "customer_id", "identity_id", "started_at", "id"),
        partial_index(
            "ux_calendar_import_run_unfinished", "customer_id", where=UNFINISHED_RUNS, unique=True
        ),
    )

    id: str = id_field("cir")
    customer_id: str = foreign_key_field("customer.id", index=False)
    identity_id: str = foreign_key_field("identity.id", index=False)
    target_conversation_id: str = Field(max_length=255)
    target_character_id: str = Field(max_length=255)
    target_timezone: str = Field(max_length=80)
    provider: str = Field(default="google_calendar", max_length=40)
    trigger_source: ImportTrigger = enum_field(ImportTrigger.MANUAL_WEB)
    status: ImportRunStatus = enum_field(ImportRunStatus.AUTHORIZING)
    provider_account_email: str | None = Field(default=None, max_length=320)
    imported_count: int = Field(default=0)
    skipped_count: int = Field(default=0)
    failed_count: int = Field(default=0)
    error_summary: str | None = Field(default=None, max_length=500)
    code_verifier_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    tokens_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = timestamp_field()
    updated_at: datetime = created_at_field()
