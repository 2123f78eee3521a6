"""Admins, login identities, customers and memberships, with their password hashes as they are
(the seed's bcrypt hashes verify and are upgraded to argon2id at the next sign-in)."""

from typing import Any

from clawscale.domain.accounts.email_addresses import normalise_email
from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import AdminAccount, ClaimStatus, Customer, Identity, Membership

ARGON2_PREFIX = "$argon2"


def keep_upgraded_password(existing: Any) -> frozenset[str]:
    """A hash of ours already upgraded at a sign-in is newer than the seed's: keep it."""
    upgraded = (existing.password_hash or "").startswith(ARGON2_PREFIX)
    return frozenset({"password_hash"}) if upgraded else frozenset()


def _admin(row: SeedRow, context: ImportContext) -> MappedRow:
    return {
        "id": row["id"],
        "email": normalise_email(row["email"]),
        "password_hash": row["password_hash"],
        "is_active": row["is_active"],
        "created_at": as_utc(row["created_at"]),
    }


def _identity(row: SeedRow, context: ImportContext) -> MappedRow:
    context.remember("identity", row["id"])
    active = row["claim_status"] == ClaimStatus.ACTIVE
    return {
        "id": row["id"],
        "email": normalise_email(row["email"]) if row["email"] else None,
        "password_hash": row["password_hash"],
        "display_name": row["display_name"],
        "claim_status": row["claim_status"],
        "email_verified_at": as_utc(row["created_at"]) if active else None,
        "created_at": as_utc(row["created_at"]),
    }


def _customer(row: SeedRow, context: ImportContext) -> MappedRow:
    context.remember("customer", row["id"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "display_name": row["display_name"],
        "created_at": as_utc(row["created_at"]),
    }


def _membership(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not (
        context.has("identity", row["identity_id"]) and context.has("customer", row["customer_id"])
    ):
        return None
    return {
        "id": row["id"],
        "identity_id": row["identity_id"],
        "customer_id": row["customer_id"],
        "role": row["role"],
        "created_at": as_utc(row["created_at"]),
    }


TABLES = (
    TableImport(
        "admins",
        "admin_accounts",
        ("id", "email", "password_hash", "is_active", "created_at"),
        AdminAccount,
        _admin,
        kept_on_reimport=keep_upgraded_password,
    ),
    TableImport(
        "identities",
        "identities",
        ("id", "email", "password_hash", "display_name", "claim_status", "created_at"),
        Identity,
        _identity,
        kept_on_reimport=keep_upgraded_password,
    ),
    TableImport(
        "customers",
        "customers",
        ("id", "kind", "display_name", "created_at"),
        Customer,
        _customer,
    ),
    TableImport(
        "memberships",
        "memberships",
        ("id", "identity_id", "customer_id", "role", "created_at"),
        Membership,
        _membership,
    ),
)
