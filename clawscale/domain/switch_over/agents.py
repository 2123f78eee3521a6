"""Agent runtimes (their tokens sealed under our key) and which agent serves each customer."""

from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.sealed import SealedText
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import Agent, AgentBinding


def _agent(row: SeedRow, context: ImportContext) -> MappedRow:
    """The seed allowed several defaults; ours allows one: the oldest keeps it."""
    context.remember("agent", row["id"])
    default = bool(row["is_default"]) and not context.has("default_agent", "taken")
    if default:
        context.remember("default_agent", "taken")
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "endpoint": row["endpoint"],
        "token_encrypted": SealedText(row["auth_token"] or ""),
        "is_default": default,
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


def _binding(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not (context.has("customer", row["customer_id"]) and context.has("agent", row["agent_id"])):
        return None
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "agent_id": row["agent_id"],
        "provision_status": row["provision_status"],
        "attempts": row["provision_attempts"],
        "last_error": row["provision_last_error"],
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


TABLES = (
    TableImport(
        "agents",
        "agents",
        ("id", "slug", "name", "endpoint", "auth_token", "is_default", "created_at", "updated_at"),
        Agent,
        _agent,
    ),
    TableImport(
        "agent bindings",
        "agent_bindings",
        (
            "id",
            "customer_id",
            "agent_id",
            "provision_status",
            "provision_attempts",
            "provision_last_error",
            "created_at",
            "updated_at",
        ),
        AgentBinding,
        _binding,
    ),
)
