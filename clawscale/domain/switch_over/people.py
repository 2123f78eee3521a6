"""The people reached through channels: end users, and external identities (a person as a
provider knows them, mapped to their customer)."""

from typing import Any

from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import EndUser, ExternalIdentity

BLOCKED = "blocked"


def _customer_of(row: SeedRow, context: ImportContext) -> str | None:
    customer = context.customer_of_seed_user.get(row["clawscale_user_id"] or "")
    return customer if context.has("customer", customer) else None


def _end_user(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not context.has("channel", row["channel_id"]):
        return None
    context.remember("end_user", row["id"])
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "external_id": row["external_id"],
        "display_name": row["name"] or "",
        "blocked": row["status"] == BLOCKED,
        "customer_id": _customer_of(row, context),
        "created_at": as_utc(row["created_at"]),
    }


def keep_last_seen(existing: Any) -> frozenset[str]:
    """Messages after the switch move `last_seen_at` on: ours is the newer."""
    return frozenset({"last_seen_at"})


def _external_identity(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not context.has("customer", row["customer_id"]):
        return None
    first_channel = row["first_seen_channel_id"]
    return {
        "id": row["id"],
        "provider": row["provider"],
        "identity_type": row["identity_type"],
        "identity_value": row["identity_value"],
        "customer_id": row["customer_id"],
        "first_seen_channel_id": first_channel if context.has("channel", first_channel) else None,
        "first_seen_at": as_utc(row["first_seen_at"]),
        "last_seen_at": as_utc(row["last_seen_at"]),
    }


TABLES = (
    TableImport(
        "end users",
        "end_users",
        ("id", "channel_id", "external_id", "name", "status", "clawscale_user_id", "created_at"),
        EndUser,
        _end_user,
    ),
    TableImport(
        "external identities",
        "external_identities",
        (
            "id",
            "provider",
            "identity_type",
            "identity_value",
            "customer_id",
            "first_seen_channel_id",
            "first_seen_at",
            "last_seen_at",
            "created_at",
        ),
        ExternalIdentity,
        _external_identity,
        kept_on_reimport=keep_last_seen,
    ),
)
