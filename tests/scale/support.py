"""What the scale tests share: posting the runtime's replies, and reading deliveries back."""

from dataclasses import dataclass

import httpx
from sqlmodel import Session, select

from clawscale.models import OutboundDelivery
from clawscale.settings import DEV_OUTBOUND_API_KEY
from tests.factories import Routed

OUTBOUND_HEADERS = {"Authorization": f"Bearer {DEV_OUTBOUND_API_KEY}"}


@dataclass(frozen=True)
class Posted:
    """One `POST /api/outbound` and what came back (status 0: no answer at all)."""

    key: str
    status: int
    body: object
    seconds: float


def outbound_body(routed: Routed, key: str) -> dict[str, object]:
    """A text reply whose text is its idempotency key, so a provider's log names each send.
    Build bodies on the thread that owns the session: reading `routed` may load from it."""
    return {
        "output_id": f"out-{key}",
        "customer_id": routed.customer.id,
        "business_conversation_key": routed.key,
        "message_type": "text",
        "delivery_mode": "push",
        "expect_output_timestamp": 0,
        "idempotency_key": key,
        "trace_id": f"trace-{key}",
        "text": key,
    }


def post_outbound(base_url: str, body: dict[str, object], timeout: float = 30) -> Posted:
    """POST one reply to a backend; transport failures are recorded, not raised."""
    key = str(body["idempotency_key"])
    try:
        response = httpx.post(
            f"{base_url}/api/outbound", json=body, headers=OUTBOUND_HEADERS, timeout=timeout
        )
    except httpx.HTTPError:
        return Posted(key, 0, None, timeout)
    answer = response.json() if response.content else None
    return Posted(key, response.status_code, answer, response.elapsed.total_seconds())


def delivery_statuses(session: Session) -> dict[str, str]:
    """Every delivery's status by idempotency key, read afresh."""
    session.rollback()
    rows = session.exec(select(OutboundDelivery.idempotency_key, OutboundDelivery.status)).all()
    return {key: str(status) for key, status in rows}


def all_succeeded(session: Session, keys: set[str]) -> bool:
    """Whether every one of `keys` is stored and sent."""
    statuses = delivery_statuses(session)
    return all(statuses.get(key) == "succeeded" for key in keys)
