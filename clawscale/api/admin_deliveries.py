"""`/api/admin/deliveries`: the outbox for operators — filtered list, detail with attempts, retry.

The list answers the contract's `?channel_id&limit&offset` (failed deliveries by default) and
adds `status` (`failed`, `dead`, ..., comma-separated, or `all`), `customer_id`, `since`/`until`
and keyset paging: pass the answer's `next_cursor` back as `cursor`.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Listing, Ok, PublicView
from clawscale.api.errors import ApiError
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.security import CurrentAdmin, current_admin
from clawscale.domain.outbox.dispatch import retry_dead_delivery
from clawscale.domain.outbox.queries import (
    FAILURES,
    DeliveryFilter,
    decode_cursor,
    delivery_attempts,
    list_deliveries,
)
from clawscale.models import DeliveryStatus, OutboundDelivery

router = APIRouter(prefix="/api/admin/deliveries", dependencies=[Depends(current_admin)])

LIST_PARAMS = ("channel_id", "customer_id", "status", "since", "until", "cursor")


def _statuses(raw: str | None) -> tuple[DeliveryStatus, ...]:
    if raw is None:
        return FAILURES
    if raw == "all":
        return ()
    try:
        return tuple(DeliveryStatus(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ApiError(400, "invalid_query", "Unknown delivery status.") from error


class DeliveryPublic(PublicView):
    """A delivery as an operator sees it (never its lease or the provider context)."""

    id: str
    idempotency_key: str
    payload: dict[str, object]
    payload_hash: str
    customer_id: str
    business_conversation_key: str
    channel_id: str
    target: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    provider_message_id: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class AttemptPublic(PublicView):
    """One attempt as an operator sees it."""

    id: str
    attempt_number: int
    started_at: datetime
    finished_at: datetime | None
    succeeded: bool
    provider_message_id: str | None
    error: str | None


class DeliveryListing(Listing[DeliveryPublic]):
    """A page of deliveries, and the cursor of the next one (None at the end)."""

    next_cursor: str | None


class DeliveryAnswer(BaseModel):
    """One delivery."""

    delivery: DeliveryPublic


class DeliveryDetail(DeliveryAnswer):
    """One delivery with every attempt, first to last."""

    attempts: list[AttemptPublic]


@router.get(
    "",
    dependencies=[Depends(reject_unknown_query(*LIST_PARAMS))],
    response_model=Ok[DeliveryListing],
)
def deliveries(
    db: SessionDep,
    page: PageDep,
    channel_id: Annotated[str | None, Query(max_length=40)] = None,
    customer_id: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, object]:
    """Newest first; failed and dead ones unless `status` says otherwise."""
    after = decode_cursor(cursor) if cursor else None
    if cursor and after is None:
        raise ApiError(400, "invalid_query", "The cursor is not valid.")
    selection = DeliveryFilter(_statuses(status), channel_id, customer_id, since, until)
    found = list_deliveries(db, selection, page.limit, after=after, offset=page.offset)
    data = page.envelope(found.items, found.total)
    return {"ok": True, "data": {**data, "next_cursor": found.next_cursor}}


def _delivery(db: SessionDep, delivery_id: str) -> OutboundDelivery:
    delivery = db.get(OutboundDelivery, delivery_id)
    if delivery is None:
        raise ApiError(404, "delivery_not_found")
    return delivery


@router.get("/{delivery_id}", response_model=Ok[DeliveryDetail])
def delivery_detail(delivery_id: str, db: SessionDep) -> dict[str, object]:
    """One delivery with every attempt."""
    delivery = _delivery(db, delivery_id)
    attempts = delivery_attempts(db, delivery.id)
    return {"ok": True, "data": {"delivery": delivery, "attempts": attempts}}


@router.post("/{delivery_id}/retry", response_model=Ok[DeliveryAnswer])
def retry(delivery_id: str, db: SessionDep, principal: CurrentAdmin) -> dict[str, object]:
    """Send a dead delivery again (a fresh budget of attempts); 409 unless it is dead."""
    _delivery(db, delivery_id)
    delivery = retry_dead_delivery(db, principal.admin.id, delivery_id)
    if delivery is None:
        raise ApiError(409, "delivery_not_dead", "Only dead deliveries can be retried.")
    return {"ok": True, "data": {"delivery": delivery}}
