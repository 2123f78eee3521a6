"""Deliveries as the console's tables show them (the deliveries page and a customer's detail),
with their customers' and channels' names read in two queries; moments as ISO strings, for
the page to write in its language."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from clawscale.domain.console.dashboard import channel_labels, customer_names
from clawscale.models import DeliveryStatus, OutboundDelivery
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.display import NOTHING, iso_time


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as the table shows it (times as ISO strings, "" for none)."""

    id: str = ""
    created_at: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    customer_id: str = ""
    customer: str = ""
    channel_id: str = ""
    channel: str = ""
    target: str = ""
    attempts: int = 0
    error: str = ""
    idempotency_key: str = ""
    next_attempt_at: str = ""
    provider_message_id: str = ""
    payload: str = ""
    can_retry: bool = False


def delivery_rows(db: Session, deliveries: Sequence[OutboundDelivery]) -> list[DeliveryRow]:
    """Deliveries in words, with their customers' and channels' names (two queries in all)."""
    customers = customer_names(db, (delivery.customer_id for delivery in deliveries))
    channels = channel_labels(db, (delivery.channel_id for delivery in deliveries))
    return [
        DeliveryRow(
            id=delivery.id,
            created_at=iso_time(delivery.created_at),
            status=delivery.status,
            status_label=state_label(delivery.status),
            status_color=state_color(delivery.status),
            customer_id=delivery.customer_id,
            customer=customers.get(delivery.customer_id) or delivery.customer_id,
            channel_id=delivery.channel_id,
            channel=channels.get(delivery.channel_id) or delivery.channel_id,
            target=delivery.target,
            attempts=delivery.attempts,
            error=delivery.error or "",
            idempotency_key=delivery.idempotency_key,
            next_attempt_at=iso_time(delivery.next_attempt_at),
            provider_message_id=delivery.provider_message_id or NOTHING,
            payload=json.dumps(delivery.payload, indent=2, ensure_ascii=False, sort_keys=True),
            can_retry=delivery.status == DeliveryStatus.DEAD,
        )
        for delivery in deliveries
    ]
