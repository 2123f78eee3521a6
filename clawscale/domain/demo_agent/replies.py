"""What the demo agent answers to a forward, read as Coke's bridge reads it (`messages[-1]`
for the text and attachments, `metadata` for the rest).

It answers at once with an echo that also lists what it received (the metadata that routes
the reply, the attachments' types), and then pushes a second reply through `/api/outbound`
under a key derived from the inbound event, so a retried forward pushes it once.
"""

from collections.abc import Mapping
from datetime import UTC, datetime

from clawscale.channels.webhooks import as_dict, as_list, as_text

SHOWN_METADATA = (
    "platform",
    "channelId",
    "customerId",
    "businessConversationKey",
    "inboundEventId",
    "forwardAttempt",
    "accountAccessAllowed",
)


def _last_message(forward: Mapping[str, object]) -> dict[str, object]:
    messages = as_list(forward.get("messages"))
    return as_dict(messages[-1]) if messages else {}


def _metadata(forward: Mapping[str, object]) -> dict[str, object]:
    return as_dict(forward.get("metadata"))


def echo_reply(forward: Mapping[str, object]) -> str:
    """The immediate answer: the text back, the attachments' types and the routing metadata."""
    message = _last_message(forward)
    metadata = _metadata(forward)
    lines = [f"You wrote: {as_text(message.get('content')) or '(no text)'}"]
    kinds = [as_text(as_dict(item).get("type")) for item in as_list(message.get("attachments"))]
    if kinds:
        lines.append("Attachments: " + ", ".join(kind or "unknown" for kind in kinds))
    shown = [f"{name}={metadata[name]}" for name in SHOWN_METADATA if name in metadata]
    lines.append("Metadata: " + "; ".join(shown))
    lines.append("A second reply follows in a few seconds, pushed through /api/outbound.")
    return "\n".join(lines)


def pushed_reply(
    forward: Mapping[str, object], at: datetime | None = None
) -> dict[str, object] | None:
    """The body of the second reply for `/api/outbound` (None when the forward lacks the
    customer, conversation key or event it must name)."""
    metadata = _metadata(forward)
    customer_id = as_text(metadata.get("customerId"))
    key = as_text(metadata.get("businessConversationKey"))
    event_id = as_text(metadata.get("inboundEventId"))
    if not (customer_id and key and event_id):
        return None
    now = at or datetime.now(UTC)
    return {
        "output_id": f"demo-push:{event_id}",
        "customer_id": customer_id,
        "business_conversation_key": key,
        "message_type": "text",
        "delivery_mode": "push",
        "expect_output_timestamp": now.isoformat(),
        "idempotency_key": f"demo-push:{event_id}",
        "trace_id": f"demo-{event_id}",
        "text": "This second reply was pushed through /api/outbound, as a runtime pushes later "
        "messages.",
        "causal_inbound_event_id": event_id,
    }
