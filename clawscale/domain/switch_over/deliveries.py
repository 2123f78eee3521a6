"""Recent outbound deliveries (`--history-days`), so the runtime's retry of a reply the seed
already sent is answered as a duplicate, not sent twice.

Imported deliveries are finished: sent ones as succeeded; failed or unfinished ones as dead,
which no worker retries on its own but a repeat of their idempotency key reclaims.
"""

from collections.abc import Mapping

from clawscale.domain.outbox.accept import payload_hash
from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import DeliveryStatus, OutboundDelivery

SEED_SUCCEEDED = "succeeded"
UNFINISHED_IN_SEED = "unfinished in the seed gateway when it was imported"
TARGET_KEYS = ("channel_id", "external_end_user_id")
SEED_DEFAULTS = {"mediaUrls": [], "audioAsVoice": False}
"""Values the seed stored for fields the runtime left out; ours stores nothing for them, so a
retry of the same reply hashes the same."""


def _text(payload: Mapping[str, object], key: str) -> str:
    value = payload.get(key)
    return value if isinstance(value, str) else ""


def _delivery(row: SeedRow, context: ImportContext) -> MappedRow | None:
    stored = row["payload"] if isinstance(row["payload"], dict) else {}
    customer = _text(stored, "customer_id")
    key = _text(stored, "business_conversation_key")
    target = _text(stored, "external_end_user_id")
    if not (
        key
        and target
        and context.has("customer", customer)
        and context.has("channel", row["channel_id"])
    ):
        return None
    payload = {
        name: value
        for name, value in stored.items()
        if name not in TARGET_KEYS
        and value is not None
        and (name not in SEED_DEFAULTS or value != SEED_DEFAULTS[name])
    }
    succeeded = row["status"] == SEED_SUCCEEDED
    return {
        "id": row["id"],
        "idempotency_key": row["idempotency_key"],
        "payload": payload,
        "payload_hash": payload_hash(payload),
        "customer_id": customer,
        "business_conversation_key": key,
        "channel_id": row["channel_id"],
        "target": target,
        "status": DeliveryStatus.SUCCEEDED if succeeded else DeliveryStatus.DEAD,
        "error": None if succeeded else row["error"] or UNFINISHED_IN_SEED,
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


TABLES = (
    TableImport(
        "recent deliveries",
        "outbound_deliveries",
        (
            "id",
            "channel_id",
            "idempotency_key",
            "payload",
            "status",
            "error",
            "created_at",
            "updated_at",
        ),
        OutboundDelivery,
        _delivery,
        where="created_at >= :since",
    ),
)
