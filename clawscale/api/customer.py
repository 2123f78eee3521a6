"""The `/api/customer` namespace: the signed-in customer's access and Stripe Checkout.

Other `/api/customer/*` routes (personal channels) live in their own modules.
"""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Ok
from clawscale.api.errors import ApiError
from clawscale.api.security import CurrentCustomer, SettingsDep
from clawscale.domain.billing.access import AccessDecision, DenialReason, access_decision
from clawscale.domain.billing.checkout import PaymentProviderError, start_account_checkout

router = APIRouter(prefix="/api/customer")


class SubscriptionPublic(BaseModel):
    """The access decision: allowed or the reason why not, and the dates behind it."""

    allowed: bool
    reason: DenialReason | None
    expires_at: datetime
    trial_ends_at: datetime
    payments_configured: bool

    @classmethod
    def of(cls, decision: AccessDecision) -> "SubscriptionPublic":
        """The public view of a decision."""
        return cls(
            allowed=decision.allowed,
            reason=decision.reason,
            expires_at=decision.expires_at,
            trial_ends_at=decision.trial_ends_at,
            payments_configured=decision.payments_configured,
        )


class CheckoutPublic(BaseModel):
    """Where the customer pays: a Stripe Checkout page."""

    url: str


@router.get("/subscription")
def subscription(
    principal: CurrentCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[SubscriptionPublic]:
    """May the signed-in customer use the gateway now, and until when."""
    decision = access_decision(db, settings, principal.account.customer, shared_channel=False)
    return Ok(data=SubscriptionPublic.of(decision))


@router.post("/subscription/checkout")
def subscription_checkout(
    principal: CurrentCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[CheckoutPublic]:
    """A Stripe Checkout page for 30 more days: 403 `email_not_verified` or
    `account_suspended`, 503 `payments_not_configured`, 502 `payment_provider_error`."""
    try:
        link = start_account_checkout(db, settings, principal.account)
    except PaymentProviderError as error:
        raise ApiError(502, error.code, error.message) from error
    return Ok(data=CheckoutPublic(url=link.url))
