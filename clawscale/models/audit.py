"""The audit log of admin actions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, foreign_key_field, id_field, json_field


class AuditLog(SQLModel, table=True):
    """One admin action: who did what to which object, and when."""

    __tablename__ = "audit_log"

    id: str = id_field("aud")
    admin_id: str | None = foreign_key_field("admin_account.id", nullable=True)
    action: str = Field(max_length=80)
    target_kind: str = Field(default="", max_length=40)
    target_id: str = Field(default="", max_length=80)
    details: dict[str, object] = json_field()
    created_at: datetime = created_at_field(index=True)
