"""Links that let a chat user pay for access without signing in.

`renewal_link(settings, customer_id)` makes a 24-hour link to
`GET /api/public/subscription-checkout?token=...`; the token is a JWT signed with
CUSTOMER_JWT_SECRET whose `purpose` is `public_checkout` and whose subject is the customer id.
It carries no audience, so it is never accepted as a session token, nor a session token as it.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

import jwt
from sqlmodel import Session

from clawscale.domain.errors import InvalidToken
from clawscale.models import Customer
from clawscale.models.base import utcnow
from clawscale.settings import Settings

PUBLIC_CHECKOUT_PURPOSE = "public_checkout"
PUBLIC_CHECKOUT_LIFETIME = timedelta(hours=24)
PUBLIC_CHECKOUT_PATH = "/api/public/subscription-checkout"
TOKEN_ALGORITHM = "HS256"
INVALID_LINK = "This renewal link is invalid or has expired."


class CheckoutReturn(StrEnum):
    """How a Checkout session ended, as the return pages are told."""

    SUCCESS = "success"
    CANCELLED = "cancelled"


def public_checkout_token(settings: Settings, customer_id: str, now: datetime | None = None) -> str:
    """A signed 24-hour token that lets whoever holds it pay for `customer_id`'s access."""
    issued = now or utcnow()
    claims = {
        "sub": customer_id,
        "purpose": PUBLIC_CHECKOUT_PURPOSE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + PUBLIC_CHECKOUT_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, settings.CUSTOMER_JWT_SECRET, algorithm=TOKEN_ALGORITHM)


def _public_api_url(settings: Settings, path: str) -> str:
    return f"{settings.CLAWSCALE_PUBLIC_API_URL.rstrip('/')}{path}"


def renewal_link(settings: Settings, customer_id: str, now: datetime | None = None) -> str:
    """The public link (valid 24 hours) that takes a chat user to Checkout for their access."""
    token = public_checkout_token(settings, customer_id, now)
    return _public_api_url(settings, f"{PUBLIC_CHECKOUT_PATH}?{urlencode({'token': token})}")


def public_return_url(settings: Settings, outcome: CheckoutReturn) -> str:
    """The plain page a chat user lands on after paying (or not) through a renewal link."""
    return _public_api_url(settings, f"{PUBLIC_CHECKOUT_PATH}/{outcome}")


def customer_for_checkout_token(db: Session, settings: Settings, token: str) -> Customer:
    """The customer a public checkout token was made for; `InvalidToken` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.CUSTOMER_JWT_SECRET,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["sub", "exp", "purpose"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken("invalid_token", INVALID_LINK) from error
    customer = db.get(Customer, claims["sub"])
    if claims["purpose"] != PUBLIC_CHECKOUT_PURPOSE or customer is None:
        raise InvalidToken("invalid_token", INVALID_LINK)
    return customer
