"""Holding the messages of customers without access, and letting them go when access returns.

A message whose customer may not use the gateway is kept `parked` with the reason
(`access:subscription_required`, ...), never forwarded and never dropped. A customer who needs
to pay is told once a day, through the same conversation, with a link to renew; when a pass is
bought the held messages are released in arrival order.
"""

from sqlmodel import Session, col

from clawscale.domain.billing.access import (
    DenialReason,
)
from clawscale.domain.billing.links import renewal_link
from clawscale.domain.errors import Conflict
from clawscale.domain.inbound.placement import conversation_key, release_parked
from clawscale.domain.outbox.accept import accept_delivery
from clawscale.models import (
    Conversation,
    InboundEvent,
    InboundStatus,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

HELD_PREFIX = "access:"


def _renewal_reply(db: Session, settings: Settings, event: InboundEvent) -> None:
    conversation = db.get(Conversation, event.conversation_id)
    assert conversation is not None and event.customer_id
    key = conversation_key(conversation)
    link = renewal_link(settings, event.customer_id)
    payload: dict[str, object] = {
        "output_id": f"renewal:{event.id}",
        "customer_id": event.customer_id,
        "business_conversation_key": key,
        "message_type": "text",
        "delivery_mode": "push",
        "text": f"Your access has ended. Renew for 30 days here: {link}",
    }
    today = utcnow().date().isoformat()
    try:
        accept_delivery(db, f"renewal:{event.customer_id}:{today}", event.customer_id, key, payload)
    except Conflict:
        return


def hold_event(db: Session, settings: Settings, event: InboundEvent, reason: DenialReason) -> None:
    """Park the event with its reason; a customer who must pay is told (once a day)."""
    event.status = InboundStatus.PARKED
    event.last_error = f"{HELD_PREFIX}{reason}"
    db.add(event)
    db.flush()
    if reason == DenialReason.SUBSCRIPTION_REQUIRED:
        _renewal_reply(db, settings, event)


def release_held_events(db: Session, customer_id: str) -> int:
    """Make the customer's messages held for access due again now; how many."""
    return release_parked(
        db,
        col(InboundEvent.customer_id) == customer_id,
        col(InboundEvent.last_error).startswith(HELD_PREFIX),
    )
