"""Who is calling: static API keys for the runtime, session tokens for people.

A session token arrives as `Authorization: Bearer ...` (API clients) or in the HttpOnly session
cookie (browsers); both resolve to the same server-side session.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from clawscale.api.deps import SessionDep
from clawscale.api.errors import ApiError
from clawscale.crypto import constant_time_equal
from clawscale.domain.accounts.admins import SignedInAdmin, signed_in_admin
from clawscale.domain.accounts.customers import Account, account_of
from clawscale.domain.accounts.sessions import SESSION_COOKIES, resolve_session, session_secret
from clawscale.models import AuthSession, ClaimStatus, Identity, SessionSubject
from clawscale.settings import Settings, get_settings


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when absent or empty."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def current_settings() -> Settings:
    """The settings, as a dependency run on the event loop (no thread hop for a cached read)."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(current_settings)]


def check_api_key(request: Request, settings: Settings, setting: str) -> None:
    """Admit only `Bearer <value of setting>`; 401 `unauthorized` otherwise."""
    if not constant_time_equal(getattr(settings, setting), bearer_token(request)):
        raise ApiError(401, "unauthorized")


def require_api_key(setting: str) -> Callable[..., Awaitable[None]]:
    """`check_api_key` as a dependency."""

    async def check(request: Request, settings: SettingsDep) -> None:
        check_api_key(request, settings, setting)

    return check


def live_session(
    request: Request, db: Session, settings: Settings, kind: SessionSubject
) -> AuthSession:
    """The live session of `kind` behind the bearer token or else the session cookie; 401."""
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIES[kind])
    row = resolve_session(db, token, kind, session_secret(settings, kind)) if token else None
    if row is None:
        raise ApiError(401, "unauthorized")
    return row


def current_admin(request: Request, db: SessionDep, settings: SettingsDep) -> SignedInAdmin:
    """The active admin behind the request's admin token; 401 `unauthorized` otherwise."""
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIES[SessionSubject.ADMIN])
    signed_in = signed_in_admin(db, settings, token)
    if signed_in is None:
        raise ApiError(401, "unauthorized")
    return signed_in


CurrentAdmin = Annotated[SignedInAdmin, Depends(current_admin)]


@dataclass(frozen=True)
class CustomerPrincipal:
    """The signed-in person, their customer account, and the session they used."""

    account: Account
    session: AuthSession


def current_customer(request: Request, db: SessionDep, settings: SettingsDep) -> CustomerPrincipal:
    """The identity and customer behind the request's customer token; 401 otherwise."""
    row = live_session(request, db, settings, SessionSubject.CUSTOMER)
    identity = db.get(Identity, row.subject_id)
    if identity is None:
        raise ApiError(401, "unauthorized")
    return CustomerPrincipal(account_of(db, identity), row)


def active_customer(
    principal: Annotated[CustomerPrincipal, Depends(current_customer)],
) -> CustomerPrincipal:
    """A signed-in customer whose identity is `active` (verified); 403 `identity_not_active`."""
    if principal.account.identity.claim_status != ClaimStatus.ACTIVE:
        raise ApiError(403, "identity_not_active", "Verify your email address first.")
    return principal


CurrentCustomer = Annotated[CustomerPrincipal, Depends(current_customer)]
ActiveCustomer = Annotated[CustomerPrincipal, Depends(active_customer)]
