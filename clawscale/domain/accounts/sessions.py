"""Sign-in sessions: a server-side row per session, carried in a signed JWT.

The JWT names the session id (`sid`), so signing out or resetting a password revokes it at once.
Admin and customer tokens use different secrets and audiences: one is never accepted as the other.
Browsers keep each kind in its own HttpOnly cookie (`SESSION_COOKIES`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlmodel import Session, col, update

from clawscale.models import AuthSession, SessionSubject
from clawscale.models.base import utcnow
from clawscale.settings import Settings

SESSION_LIFETIME = timedelta(days=7)
ALGORITHM = "HS256"
AUDIENCES: dict[SessionSubject, str] = {
    SessionSubject.ADMIN: "clawscale:admin",
    SessionSubject.CUSTOMER: "clawscale:customer",
}
CUSTOMER_COOKIE = "clawscale_session"
ADMIN_COOKIE = "clawscale_admin_session"
SESSION_COOKIES: dict[SessionSubject, str] = {
    SessionSubject.ADMIN: ADMIN_COOKIE,
    SessionSubject.CUSTOMER: CUSTOMER_COOKIE,
}


def session_secret(settings: Settings, kind: SessionSubject) -> str:
    """The signing secret of a kind of session."""
    if kind is SessionSubject.ADMIN:
        return settings.ADMIN_JWT_SECRET
    return settings.CUSTOMER_JWT_SECRET


@dataclass(frozen=True)
class IssuedSession:
    """A new session and the bearer token that carries it."""

    session: AuthSession
    token: str

    @property
    def expires_at(self) -> datetime:
        """When the session ends."""
        return self.session.expires_at


def issue_session(
    db: Session, subject_kind: SessionSubject, subject_id: str, secret: str
) -> IssuedSession:
    """Store a new session for the subject and sign a token for it."""
    now = utcnow()
    row = AuthSession(
        subject_kind=subject_kind,
        subject_id=subject_id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    db.add(row)
    db.flush()
    claims = {
        "sub": subject_id,
        "sid": row.id,
        "aud": AUDIENCES[subject_kind],
        "iat": int(now.timestamp()),
        "exp": int(row.expires_at.timestamp()),
    }
    return IssuedSession(row, jwt.encode(claims, secret, algorithm=ALGORITHM))


def resolve_session(
    db: Session, token: str, subject_kind: SessionSubject, secret: str
) -> AuthSession | None:
    """The live session a token carries, or None for a bad, expired or revoked token."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCES[subject_kind],
            options={"require": ["sub", "sid", "exp", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    row = db.get(AuthSession, claims["sid"])
    if (
        row is None
        or row.subject_kind != subject_kind
        or row.subject_id != claims["sub"]
        or row.revoked_at is not None
        or row.expires_at <= utcnow()
    ):
        return None
    return row


def revoke_session(db: Session, row: AuthSession) -> None:
    """End one session now (signing out)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
        db.flush()


def revoke_all_sessions(db: Session, subject_kind: SessionSubject, subject_id: str) -> int:
    """End every live session of a subject (after a password reset); how many ended."""
    result = db.exec(
        update(AuthSession)
        .where(
            col(AuthSession.subject_kind) == subject_kind,
            col(AuthSession.subject_id) == subject_id,
            col(AuthSession.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
