"""Who is calling: static API keys for the runtime, session tokens for people.

A session token arrives as `Authorization: Bearer ...` (API clients) or in the HttpOnly session
cookie (browsers); both resolve to the same server-side session.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from clawscale.api.deps import SessionDep
from clawscale.api.errors import ApiError
from clawscale.domain.sessions import resolve_session
from clawscale.models import AdminAccount, AuthSession, SessionSubject
from clawscale.settings import Settings, get_settings

CUSTOMER_COOKIE = "clawscale_session"
ADMIN_COOKIE = "clawscale_admin_session"


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when absent or empty."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def keys_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison; an unset expected key matches nothing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def require_api_key(setting: str) -> Callable[[Request], None]:
    """A dependency admitting only `Bearer <value of setting>`; 401 `unauthorized` otherwise."""

    def check(request: Request) -> None:
        expected = getattr(get_settings(), setting)
        if not keys_match(expected, bearer_token(request)):
            raise ApiError(401, "unauthorized")

    return check


SettingsDep = Annotated[Settings, Depends(get_settings)]


def session_token(request: Request, cookie: str) -> str | None:
    """The bearer token, else the session cookie."""
    return bearer_token(request) or request.cookies.get(cookie) or None


@dataclass(frozen=True)
class AdminPrincipal:
    """The signed-in admin and the session they used."""

    admin: AdminAccount
    session: AuthSession


def current_admin(request: Request, db: SessionDep, settings: SettingsDep) -> AdminPrincipal:
    """The active admin behind the request's admin token; 401 `unauthorized` otherwise."""
    token = session_token(request, ADMIN_COOKIE)
    row = (
        resolve_session(db, token, SessionSubject.ADMIN, settings.ADMIN_JWT_SECRET)
        if token
        else None
    )
    admin = db.get(AdminAccount, row.subject_id) if row else None
    if row is None or admin is None or not admin.is_active:
        raise ApiError(401, "unauthorized")
    return AdminPrincipal(admin, row)


CurrentAdmin = Annotated[AdminPrincipal, Depends(current_admin)]
