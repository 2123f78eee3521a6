"""Login people and accounts: admins, identities, customers, memberships, sessions, tokens."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import (
    created_at_field,
    enum_field,
    foreign_key_field,
    id_field,
    timestamp_field,
)


class ClaimStatus(StrEnum):
    """Whether a login person has claimed their identity."""

    ACTIVE = "active"
    UNCLAIMED = "unclaimed"
    PENDING = "pending"


class CustomerKind(StrEnum):
    """What sort of account a customer is."""

    PERSONAL = "personal"
    ORGANIZATION = "organization"


class MembershipRole(StrEnum):
    """What an identity may do within a customer account."""

    OWNER = "owner"
    MEMBER = "member"
    VIEWER = "viewer"


class SessionSubject(StrEnum):
    """Who a server-side session belongs to."""

    ADMIN = "admin"
    CUSTOMER = "customer"


class TokenPurpose(StrEnum):
    """What a one-time emailed token is for."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    CLAIM = "claim"


class AdminAccount(SQLModel, table=True):
    """A platform operator who signs in to the admin console."""

    __tablename__ = "admin_account"

    id: str = id_field("adm")
    email: str = Field(max_length=320, unique=True, description="case-folded")
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    last_login_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()


class Identity(SQLModel, table=True):
    """A login person; the password is null while the identity is unclaimed. `locale` is the
    language their email is written in: their choice on the site, else their browser's when
    they signed up (null: English)."""

    __tablename__ = "identity"

    id: str = id_field("idn")
    email: str | None = Field(default=None, max_length=320, unique=True, nullable=True)
    password_hash: str | None = Field(default=None, max_length=255, nullable=True)
    display_name: str = Field(default="", max_length=200)
    claim_status: ClaimStatus = enum_field(ClaimStatus.UNCLAIMED)
    email_verified_at: datetime | None = timestamp_field()
    locale: str | None = Field(default=None, max_length=16, nullable=True)
    created_at: datetime = created_at_field()


class Customer(SQLModel, table=True):
    """An account (`ck_` id) that owns channels, conversations and a subscription."""

    __tablename__ = "customer"

    id: str = id_field("ck")
    kind: CustomerKind = enum_field(CustomerKind.PERSONAL)
    display_name: str = Field(default="", max_length=200)
    suspended: bool = Field(default=False)
    created_at: datetime = created_at_field()


class Membership(SQLModel, table=True):
    """Joins an identity to a customer with a role."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("identity_id", "customer_id"),)

    id: str = id_field("mem")
    identity_id: str = foreign_key_field("identity.id")
    customer_id: str = foreign_key_field("customer.id")
    role: MembershipRole = enum_field(MembershipRole.OWNER)
    created_at: datetime = created_at_field()


class AuthSession(SQLModel, table=True):
    """A server-side session id, so a signed token can be revoked before it expires."""

    __tablename__ = "session"
    __table_args__ = (sa.Index("ix_session_subject", "subject_kind", "subject_id"),)

    id: str = id_field("ses")
    subject_kind: SessionSubject = enum_field(SessionSubject.CUSTOMER)
    subject_id: str = Field(max_length=40)
    created_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
    revoked_at: datetime | None = timestamp_field()


class OneTimeToken(SQLModel, table=True):
    """An emailed verify/reset/claim token, stored as a hash; it expires and works once."""

    __tablename__ = "one_time_token"

    id: str = id_field("ott")
    token_hash: str = Field(max_length=64, unique=True)
    purpose: TokenPurpose = enum_field(TokenPurpose.VERIFY_EMAIL)
    identity_id: str = foreign_key_field("identity.id")
    expires_at: datetime = created_at_field()
    used_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()
