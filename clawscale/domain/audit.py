"""The audit log: every admin action is written here, in the same transaction as the action."""

from sqlmodel import Session

from clawscale.models import AuditLog


def record_admin_action(
    db: Session,
    admin_id: str | None,
    action: str,
    target_kind: str = "",
    target_id: str = "",
    details: dict[str, object] | None = None,
) -> AuditLog:
    """Append one entry; `details` must never hold secrets."""
    entry = AuditLog(
        admin_id=admin_id,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        details=details or {},
    )
    db.add(entry)
    db.flush()
    return entry
