"""Conversations and the delivery routes the runtime's replies follow.

The seed could hold several conversations of one end user on one channel (one per business
conversation key); ours holds one: the most recently updated is kept, the others skipped.
"""

from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import Conversation, DeliveryRoute


def _conversation(row: SeedRow, context: ImportContext) -> MappedRow | None:
    pair = f"{row['channel_id']}/{row['end_user_id']}"
    if not context.has("end_user", row["end_user_id"]) or context.has("conversation_pair", pair):
        return None
    context.remember("conversation_pair", pair)
    customer = context.customer_of_seed_user.get(row["clawscale_user_id"] or "")
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "end_user_id": row["end_user_id"],
        "customer_id": customer if context.has("customer", customer) else None,
        "business_conversation_key": row["business_conversation_key"],
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


def _route(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not (
        context.has("customer", row["coke_account_id"])
        and context.has("end_user", row["end_user_id"])
    ):
        return None
    return {
        "customer_id": row["coke_account_id"],
        "business_conversation_key": row["business_conversation_key"],
        "channel_id": row["channel_id"],
        "end_user_id": row["end_user_id"],
        "external_end_user_id": row["external_end_user_id"],
        "is_active": row["is_active"],
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


TABLES = (
    TableImport(
        "conversations",
        "conversations",
        (
            "id",
            "channel_id",
            "end_user_id",
            "clawscale_user_id",
            "business_conversation_key",
            "created_at",
            "updated_at",
        ),
        Conversation,
        _conversation,
        order_by="updated_at DESC, id",
    ),
    TableImport(
        "delivery routes",
        "delivery_routes",
        (
            "coke_account_id",
            "business_conversation_key",
            "channel_id",
            "end_user_id",
            "external_end_user_id",
            "is_active",
            "created_at",
            "updated_at",
        ),
        DeliveryRoute,
        _route,
        order_by="created_at, coke_account_id, business_conversation_key",
    ),
)
