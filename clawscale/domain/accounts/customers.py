"""Customer sign-up and sign-in: register, verify, reset, claim; sessions carry the identity id.

Every answer that could reveal whether an email is known (resend, forgot) is neutral: the
functions return nothing and silently do nothing for unknown emails.

Mail goes out in the identity's language (`languages.email_locale`); registering and claiming
remember the language the person used (`locale`, when the site speaks it).
"""

from dataclasses import dataclass
from datetime import timedelta

import jwt
import sqlalchemy as sa
from sqlmodel import Session, col, select

from clawscale.domain.accounts.email_addresses import normalise_email, validated_email
from clawscale.domain.accounts.languages import email_locale, remember_locale
from clawscale.domain.accounts.mailer import Link, send_letter
from clawscale.domain.accounts.one_time_tokens import consume_token, issue_token
from clawscale.domain.accounts.passwords import check_password, hash_password, verify_password
from clawscale.domain.accounts.sessions import IssuedSession, issue_session, revoke_all_sessions
from clawscale.domain.errors import Conflict, InvalidToken, NotFound, Unauthenticated
from clawscale.i18n.catalogs import gettext
from clawscale.models import (
    ClaimStatus,
    Customer,
    CustomerKind,
    Identity,
    Membership,
    MembershipRole,
    SessionSubject,
    TokenPurpose,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.web_links import web_url

CLAIM_ENTRY_AUDIENCE = "clawscale:claim-entry"
CLAIM_ENTRY_LIFETIME = timedelta(days=7)
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class Account:
    """An identity with the customer it signs in to and its role there."""

    identity: Identity
    customer: Customer
    role: MembershipRole


def _identity_by_email(db: Session, email: str) -> Identity | None:
    return db.exec(select(Identity).where(Identity.email == normalise_email(email))).first()


def account_of(db: Session, identity: Identity) -> Account:
    """The identity's first customer (the one it registered or was provisioned with)."""
    membership = db.exec(
        select(Membership)
        .where(Membership.identity_id == identity.id)
        .order_by(col(Membership.created_at), col(Membership.id))
    ).first()
    customer = db.get(Customer, membership.customer_id) if membership else None
    if membership is None or customer is None:
        raise NotFound("customer_not_found", "This identity has no customer account.")
    return Account(identity, customer, membership.role)


def start_session(db: Session, settings: Settings, identity: Identity) -> IssuedSession:
    """A new customer session for the identity."""
    return issue_session(db, SessionSubject.CUSTOMER, identity.id, settings.CUSTOMER_JWT_SECRET)


def _mail_link(
    db: Session,
    settings: Settings,
    identity: Identity,
    locale: str,
    subject: str,
    intro: str,
    link: str,
) -> None:
    """Mail the identity a greeting, `intro` and `link` (subject and intro already in
    `locale`)."""
    assert identity.email
    name = identity.display_name or identity.email
    greeting = gettext(locale, "Hello {name},", name=name)
    send_letter(db, settings, identity.email, locale, subject, [greeting, intro, Link(link)])


def _send_verification(db: Session, settings: Settings, identity: Identity) -> None:
    assert identity.email
    locale = email_locale(identity)
    token = issue_token(db, identity.id, TokenPurpose.VERIFY_EMAIL)
    link = web_url(settings, "/auth/verify-email", email=identity.email, token=token)
    intro = gettext(
        locale,
        "Confirm your email address for ClawScale (the link works once, for 15 minutes):",
    )
    _mail_link(db, settings, identity, locale, gettext(locale, "Verify your email"), intro, link)


def register(
    db: Session,
    settings: Settings,
    display_name: str,
    email: str,
    password: str,
    locale: str | None = None,
) -> Account:
    """A new pending identity with its own personal customer, its email in `locale` (when the
    site speaks it, else English); mails a verification link."""
    normalised = validated_email(email)
    if _identity_by_email(db, normalised) is not None:
        raise Conflict("email_already_exists", "An account with this email already exists.")
    identity = Identity(
        email=normalised,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        claim_status=ClaimStatus.PENDING,
    )
    customer = Customer(kind=CustomerKind.PERSONAL, display_name=identity.display_name)
    try:
        with db.begin_nested():
            db.add(identity)
    except sa.exc.IntegrityError as error:
        raise Conflict(
            "email_already_exists", "An account with this email already exists."
        ) from error
    remember_locale(db, identity, locale)
    db.add(customer)
    db.flush()
    db.add(Membership(identity_id=identity.id, customer_id=customer.id, role=MembershipRole.OWNER))
    db.flush()
    _send_verification(db, settings, identity)
    return Account(identity, customer, MembershipRole.OWNER)


def authenticate(db: Session, email: str, password: str) -> Identity:
    """The identity for these credentials; `invalid_credentials` for every kind of failure."""
    identity = _identity_by_email(db, email)
    if identity is None or identity.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise Unauthenticated("invalid_credentials", "The email or password is wrong.")
    check = check_password(identity.password_hash, password)
    if not check.matches:
        raise Unauthenticated("invalid_credentials", "The email or password is wrong.")
    if check.upgraded_hash is not None:
        identity.password_hash = check.upgraded_hash
        db.add(identity)
    return identity


def _activate(identity: Identity) -> None:
    identity.claim_status = ClaimStatus.ACTIVE
    identity.email_verified_at = identity.email_verified_at or utcnow()


def verify_email(db: Session, email: str, token: str) -> Identity:
    """Mark the email verified with a token mailed to it; the identity becomes active."""
    used = consume_token(db, token, TokenPurpose.VERIFY_EMAIL)
    identity = db.get(Identity, used.identity_id)
    if identity is None or identity.email != normalise_email(email):
        raise InvalidToken("invalid_token", "This link is invalid or has expired.")
    _activate(identity)
    db.add(identity)
    db.flush()
    return identity


def resend_verification(db: Session, settings: Settings, email: str) -> None:
    """Mail a new verification link when the email belongs to an unverified identity."""
    identity = _identity_by_email(db, email)
    if identity is not None and identity.email_verified_at is None and identity.password_hash:
        _send_verification(db, settings, identity)


def request_password_reset(db: Session, settings: Settings, email: str) -> None:
    """Mail a reset link when the email belongs to an identity with a password."""
    identity = _identity_by_email(db, email)
    if identity is None or identity.password_hash is None:
        return
    locale = email_locale(identity)
    token = issue_token(db, identity.id, TokenPurpose.RESET_PASSWORD)
    link = web_url(settings, "/auth/reset-password", token=token)
    intro = gettext(
        locale, "Choose a new ClawScale password (the link works once, for 15 minutes):"
    )
    _mail_link(db, settings, identity, locale, gettext(locale, "Reset your password"), intro, link)


def reset_password(db: Session, token: str, password: str) -> Identity:
    """Set a new password with a reset token; every earlier session of the identity ends."""
    used = consume_token(db, token, TokenPurpose.RESET_PASSWORD)
    identity = db.get(Identity, used.identity_id)
    if identity is None:
        raise InvalidToken("invalid_token", "This link is invalid or has expired.")
    identity.password_hash = hash_password(password)
    db.add(identity)
    revoke_all_sessions(db, SessionSubject.CUSTOMER, identity.id)
    db.flush()
    return identity


def claim_entry_token(settings: Settings, identity_id: str) -> str:
    """A signed link token that lets the person behind an unclaimed identity claim it."""
    now = utcnow()
    claims = {
        "sub": identity_id,
        "aud": CLAIM_ENTRY_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + CLAIM_ENTRY_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, settings.CUSTOMER_JWT_SECRET, algorithm="HS256")


def _identity_from_entry_token(db: Session, settings: Settings, entry_token: str) -> Identity:
    try:
        claims = jwt.decode(
            entry_token,
            settings.CUSTOMER_JWT_SECRET,
            algorithms=["HS256"],
            audience=CLAIM_ENTRY_AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken("invalid_token", "This link is invalid or has expired.") from error
    identity = db.get(Identity, claims["sub"])
    if identity is None:
        raise InvalidToken("invalid_token", "This link is invalid or has expired.")
    return identity


def safe_next_path(next_path: str | None) -> str:
    """A same-site path to return to; anything else (another host, a scheme) becomes `/account`."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/account"


def request_claim(
    db: Session,
    settings: Settings,
    entry_token: str,
    email: str,
    next_path: str | None,
    locale: str | None = None,
) -> None:
    """An unclaimed identity takes an email (unclaimed -> pending) and is mailed a claim link,
    in `locale` from now on when the site speaks it."""
    identity = _identity_from_entry_token(db, settings, entry_token)
    if identity.claim_status == ClaimStatus.ACTIVE:
        raise Conflict("already_claimed", "This account has already been claimed.")
    normalised = validated_email(email)
    holder = _identity_by_email(db, normalised)
    if holder is not None and holder.id != identity.id:
        raise Conflict("email_already_exists", "An account with this email already exists.")
    identity.email = normalised
    identity.claim_status = ClaimStatus.PENDING
    db.add(identity)
    remember_locale(db, identity, locale)
    db.flush()
    mail_locale = email_locale(identity)
    token = issue_token(db, identity.id, TokenPurpose.CLAIM)
    link = web_url(settings, "/auth/claim", token=token, next=safe_next_path(next_path))
    intro = gettext(
        mail_locale, "Claim your ClawScale account and choose a password (the link works once):"
    )
    subject = gettext(mail_locale, "Claim your account")
    _mail_link(db, settings, identity, mail_locale, subject, intro, link)


def claim(db: Session, token: str, password: str, locale: str | None = None) -> Identity:
    """Finish a claim: set the password; the identity becomes active (pending -> active), its
    email in `locale` from now on when the site speaks it."""
    used = consume_token(db, token, TokenPurpose.CLAIM)
    identity = db.get(Identity, used.identity_id)
    if identity is None or identity.claim_status != ClaimStatus.PENDING:
        raise InvalidToken("invalid_token", "This link is invalid or has expired.")
    identity.password_hash = hash_password(password)
    _activate(identity)
    db.add(identity)
    remember_locale(db, identity, locale)
    db.flush()
    return identity
