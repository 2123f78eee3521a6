"""Signing in as an admin or a customer in API tests."""

from sqlmodel import Session

from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.accounts.sessions import issue_session
from clawscale.models import SessionSubject
from clawscale.settings import Settings

SETTINGS = Settings(_env_file=None)


def admin_headers(session: Session, email: str = "ops@example.com") -> dict[str, str]:
    """Bearer headers of a fresh admin's session."""
    admin = create_admin(session, email, "correct horse")
    session.commit()
    token = issue_session(session, SessionSubject.ADMIN, admin.id, SETTINGS.ADMIN_JWT_SECRET).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def customer_headers(session: Session, identity_id: str = "idn_someone") -> dict[str, str]:
    """Bearer headers of a customer session (the wrong kind for admin routes)."""
    token = issue_session(
        session, SessionSubject.CUSTOMER, identity_id, SETTINGS.CUSTOMER_JWT_SECRET
    ).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}
