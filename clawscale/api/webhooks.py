"""The `/api/webhooks` namespace: Stripe's webhook here; channel providers in their modules."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Ok
from clawscale.api.security import SettingsDep
from clawscale.domain.billing.checkout import EventOutcome, handle_stripe_webhook

router = APIRouter(prefix="/api/webhooks")


async def raw_body(request: Request) -> bytes:
    """The request body exactly as sent (the Stripe signature covers these bytes)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class StripeReceipt(BaseModel):
    """A verified Stripe event, and what it did."""

    received: bool
    outcome: EventOutcome


@router.post("/stripe")
def stripe_webhook(
    payload: RawBody, request: Request, db: SessionDep, settings: SettingsDep
) -> Ok[StripeReceipt]:
    """A Stripe event, verified with STRIPE_WEBHOOK_SECRET (400 `invalid_signature`, nothing
    stored); each event id and each Checkout session counts once; other types are ignored."""
    signature = request.headers.get("stripe-signature")
    outcome = handle_stripe_webhook(db, settings, payload, signature)
    return Ok(data=StripeReceipt(received=True, outcome=outcome))
