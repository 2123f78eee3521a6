"""Admin accounts: creating them, and the first admin from the environment."""

from sqlmodel import Session, func, select

from clawscale.domain.errors import Conflict, Invalid
from clawscale.domain.passwords import MIN_PASSWORD_LENGTH, hash_password
from clawscale.models import AdminAccount


def normalise_email(email: str) -> str:
    """An email address trimmed and case-folded, as it is stored and compared."""
    return email.strip().casefold()


def _validated_email(email: str) -> str:
    normalised = normalise_email(email)
    local, _, domain = normalised.partition("@")
    if not local or "." not in domain or " " in normalised:
        raise Invalid("invalid_email", "The email address is not valid.")
    return normalised


def create_admin(session: Session, email: str, password: str) -> AdminAccount:
    """Create an active admin; the email must be new and the password long enough."""
    normalised = _validated_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password_too_short", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if session.exec(select(AdminAccount).where(AdminAccount.email == normalised)).first():
        raise Conflict("admin_already_exists", "An admin with this email already exists.")
    admin = AdminAccount(email=normalised, password_hash=hash_password(password))
    session.add(admin)
    session.flush()
    return admin


def count_admins(session: Session) -> int:
    """How many admin accounts exist."""
    return session.exec(select(func.count()).select_from(AdminAccount)).one()


def bootstrap_admin(session: Session, email: str, password: str) -> AdminAccount | None:
    """Create the first admin from deployment settings; nothing when unset or admins exist."""
    if not email or not password or count_admins(session) > 0:
        return None
    return create_admin(session, email, password)
