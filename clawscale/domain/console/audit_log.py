"""Reading the audit log: one page at a time, newest first (or sorted by a key of
`AUDIT_SORTS`), with each author's email.

The author is looked up with an outer join, so an entry keeps its place (without an email)
should its admin ever be gone.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from clawscale.domain.sorting import Sort, order_by
from clawscale.models import AdminAccount, AuditLog

AUDIT_SORTS = {
    "time": col(AuditLog.created_at),
    "admin": col(AdminAccount.email),
    "action": col(AuditLog.action),
    "target": col(AuditLog.target_kind),
}


@dataclass(frozen=True)
class AuditEntry:
    """One admin action as the console shows it."""

    id: str
    created_at: datetime
    admin_email: str | None
    action: str
    target_kind: str
    target_id: str
    details: dict[str, object]


def count_audit_entries(db: Session) -> int:
    """How many entries the audit log holds."""
    return db.exec(select(func.count()).select_from(AuditLog)).one()


def list_audit_entries(
    db: Session, limit: int, offset: int, sort: Sort | None = None
) -> list[AuditEntry]:
    """One page of the audit log in `sort` order, newest first by default."""
    newest = (col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
    query = (
        select(AuditLog, AdminAccount.email)
        .outerjoin(AdminAccount, col(AuditLog.admin_id) == col(AdminAccount.id))
        .order_by(*order_by(AUDIT_SORTS, sort, newest, col(AuditLog.id)))
        .offset(offset)
        .limit(limit)
    )
    return [
        AuditEntry(
            id=entry.id,
            created_at=entry.created_at,
            admin_email=email,
            action=entry.action,
            target_kind=entry.target_kind,
            target_id=entry.target_id,
            details=dict(entry.details or {}),
        )
        for entry, email in db.exec(query)
    ]
