"""Links that let a chat user pay for access without signing in.

`renewal_link(settings, customer_id)` makes a 24-hour link to
`GET /api/public/subscription-checkout?token=...`; the token is a JWT signed with
CUSTOMER_JWT_SECRET whose `purpose` is `public_checkout` and whose subject is the customer id.
It carries no audience, so it is never accepted as a session token, nor a session token as it.
Its issue time is the start of the minute it is made in, and the tokens made are remembered: the
forward of every message of a shared channel carries one, and a customer's messages of one
minute share one signature instead of signing each (a link lasts up to a minute less than 24
hours).
"""

from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
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
TOKEN_TIME_STEP_SECONDS = 60
"""Tokens are issued at the start of their minute (see the module's docstring)."""
SIGNED_TOKENS_KEPT = 4096
INVALID_LINK = "This renewal link is invalid or has expired."


class CheckoutReturn(StrEnum):
    """How a Checkout session ended, as the return pages are told."""

    SUCCESS = "success"
    CANCELLED = "cancelled"


@lru_cache(maxsize=SIGNED_TOKENS_KEPT)
def _signed_token(secret: str, customer_id: str, issued_at: int) -> str:
    claims = {
        "sub": customer_id,
        "purpose": PUBLIC_CHECKOUT_PURPOSE,
        "iat": issued_at,
        "exp": issued_at + int(PUBLIC_CHECKOUT_LIFETIME.total_seconds()),
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def public_checkout_token(settings: Settings, customer_id: str, now: datetime | None = None) -> str:
    """A signed token, valid 24 hours from the start of the current minute, that lets whoever
    holds it pay for `customer_id`'s access."""
    moment = int((now or utcnow()).timestamp())
    issued_at = moment - moment % TOKEN_TIME_STEP_SECONDS
    return _signed_token(settings.CUSTOMER_JWT_SECRET, customer_id, issued_at)


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
