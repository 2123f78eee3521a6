"""Admin accounts: creating, signing in and out, listing and removing them, and the first admin.

Emails are stored trimmed and case-folded (`normalise_email`, re-exported from
`clawscale.domain.accounts.email_addresses`).

Removing an admin deletes its row unless the audit log refers to it; then the admin is
deactivated instead, so the record of what it did keeps its author. Either way its sessions end
at once. The last active admin can never be removed: removal locks the active admin rows
(`SELECT ... FOR UPDATE`) before counting them, so on PostgreSQL concurrent removals queue up.
"""

import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from clawscale.domain.accounts.email_addresses import normalise_email, validated_email
from clawscale.domain.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    check_password,
    hash_password,
    verify_password,
)
from clawscale.domain.accounts.sessions import (
    IssuedSession,
    issue_session,
    resolve_session,
    revoke_all_sessions,
    revoke_session,
)
from clawscale.domain.audit import record_admin_action
from clawscale.domain.errors import Conflict, Invalid, NotFound
from clawscale.domain.sorting import Sort, order_by
from clawscale.models import AdminAccount, AuditLog, AuthSession, SessionSubject
from clawscale.models.base import utcnow
from clawscale.settings import Settings

ADMIN_TARGET = "admin_account"
SESSION_TARGET = "session"


class Removal(StrEnum):
    """What removing an admin did to its row."""

    DELETED = "deleted"
    DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class AdminSignIn:
    """A successful sign-in: the admin and its new session."""

    admin: AdminAccount
    issued: IssuedSession


def create_admin(db: Session, email: str, password: str) -> AdminAccount:
    """Create an active admin; the email must be new and the password long enough.

    Uniqueness is the database's unique key, so two concurrent creations cannot both succeed;
    after `admin_already_exists` the caller's transaction must be rolled back.
    """
    normalised = validated_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password_too_short", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    admin = AdminAccount(email=normalised, password_hash=hash_password(password))
    db.add(admin)
    try:
        db.flush()
    except IntegrityError as error:
        raise Conflict(
            "admin_already_exists", "An admin with this email already exists."
        ) from error
    return admin


def add_admin(db: Session, actor_id: str, email: str, password: str) -> AdminAccount:
    """Create an admin on behalf of the admin `actor_id`, and audit it."""
    admin = create_admin(db, email, password)
    record_admin_action(
        db, actor_id, "admin.create", ADMIN_TARGET, admin.id, {"email": admin.email}
    )
    return admin


def count_admins(db: Session) -> int:
    """How many admin accounts exist."""
    return db.exec(select(func.count()).select_from(AdminAccount)).one()


ADMIN_SORTS = {
    "email": col(AdminAccount.email),
    "active": col(AdminAccount.is_active),
    "last_sign_in": col(AdminAccount.last_login_at),
    "created": col(AdminAccount.created_at),
}


def list_admins(
    db: Session, limit: int, offset: int, sort: Sort | None = None
) -> list[AdminAccount]:
    """One page of admins in `sort` order, oldest first by default."""
    oldest = (col(AdminAccount.created_at), col(AdminAccount.id))
    query = (
        select(AdminAccount)
        .order_by(*order_by(ADMIN_SORTS, sort, oldest, col(AdminAccount.id)))
        .offset(offset)
        .limit(limit)
    )
    return list(db.exec(query))


def bootstrap_admin(db: Session, email: str, password: str) -> AdminAccount | None:
    """Create the first admin from deployment settings; nothing when unset or admins exist."""
    if not email or not password or count_admins(db) > 0:
        return None
    return create_admin(db, email, password)


@cache
def _decoy_hash() -> str:
    """A hash no password matches, verified when the email is unknown to even out timing."""
    return hash_password(secrets.token_urlsafe(32))


def authenticate_admin(db: Session, email: str, password: str) -> AdminAccount | None:
    """The active admin with these credentials; None for any mismatch.

    The row is locked, so a concurrent removal waits for the sign-in to commit (and then sees it
    in the audit log) rather than deleting the row under it.

    Every path verifies exactly one password hash, so an unknown email, a wrong password and an
    inactive admin take about as long and look the same to the caller.
    """
    query = select(AdminAccount).where(AdminAccount.email == normalise_email(email))
    admin = db.exec(query.with_for_update()).first()
    if admin is None:
        verify_password(_decoy_hash(), password)
        return None
    check = check_password(admin.password_hash, password)
    if not (check.matches and admin.is_active):
        return None
    if check.upgraded_hash is not None:
        admin.password_hash = check.upgraded_hash
        db.add(admin)
    return admin


def sign_in_admin(db: Session, email: str, password: str, secret: str) -> AdminSignIn | None:
    """Check the credentials, then record the login and open a session signed with `secret`."""
    admin = authenticate_admin(db, email, password)
    if admin is None:
        return None
    admin.last_login_at = utcnow()
    db.add(admin)
    issued = issue_session(db, SessionSubject.ADMIN, admin.id, secret)
    record_admin_action(db, admin.id, "admin.login", SESSION_TARGET, issued.session.id)
    return AdminSignIn(admin, issued)


def sign_out_admin(db: Session, admin_id: str, session: AuthSession) -> None:
    """End the admin's session and audit it."""
    revoke_session(db, session)
    record_admin_action(db, admin_id, "admin.logout", SESSION_TARGET, session.id)


def _lock_active_admins_and(db: Session, admin_id: str) -> list[AdminAccount]:
    """Every active admin plus `admin_id`, row-locked in id order so lockers queue, not deadlock.

    SQLite renders no `FOR UPDATE`; there the count is safe from a concurrent removal only when
    the engine begins transactions with `BEGIN IMMEDIATE` (pysqlite's default begins at the
    first write, after this read).
    """
    query = (
        select(AdminAccount)
        .where(or_(col(AdminAccount.is_active), col(AdminAccount.id) == admin_id))
        .order_by(col(AdminAccount.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(db.exec(query))


def _check_removable(locked: list[AdminAccount], actor_id: str, admin_id: str) -> AdminAccount:
    """The admin to remove; refuses an unknown id, the last active admin and oneself."""
    target = next((admin for admin in locked if admin.id == admin_id), None)
    if target is None:
        raise NotFound("admin_not_found", "No admin has this id.")
    active = [admin for admin in locked if admin.is_active]
    if target.is_active and len(active) == 1:
        raise Invalid("cannot_delete_last_active_admin", "At least one admin must stay active.")
    if target.id == actor_id:
        raise Invalid("cannot_delete_self", "Admins cannot remove themselves.")
    return target


def _is_audited(db: Session, admin_id: str) -> bool:
    """Whether any audit log entry names the admin as its author."""
    query = select(AuditLog.id).where(AuditLog.admin_id == admin_id).limit(1)
    return db.exec(query).first() is not None


def remove_admin(db: Session, actor_id: str, admin_id: str) -> Removal:
    """Remove an admin on behalf of `actor_id`: delete it, or deactivate it when audited.

    Its sessions are revoked either way, and the removal is audited.
    """
    target = _check_removable(_lock_active_admins_and(db, admin_id), actor_id, admin_id)
    revoke_all_sessions(db, SessionSubject.ADMIN, target.id)
    if _is_audited(db, target.id):
        target.is_active = False
        db.add(target)
        removal = Removal.DEACTIVATED
    else:
        db.delete(target)
        removal = Removal.DELETED
    db.flush()
    record_admin_action(
        db, actor_id, f"admin.{removal}", ADMIN_TARGET, target.id, {"email": target.email}
    )
    return removal


@dataclass(frozen=True)
class SignedInAdmin:
    """An active admin and the live session its cookie carries."""

    admin: AdminAccount
    session: AuthSession


def signed_in_admin(db: Session, settings: Settings, token: str | None) -> SignedInAdmin | None:
    """The active admin behind a live admin session token; None when signed out."""
    if not token:
        return None
    row = resolve_session(db, token, SessionSubject.ADMIN, settings.ADMIN_JWT_SECRET)
    admin = db.get(AdminAccount, row.subject_id) if row else None
    if row is None or admin is None or not admin.is_active:
        return None
    return SignedInAdmin(admin, row)
