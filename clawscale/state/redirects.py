"""Where page handlers send the browser after signing a person in or out.

The session cookie is HttpOnly and only the API sets it: a handler sends the browser to the
API's handoff route with a short-lived encrypted code, and the API sets the cookie and
redirects back to the page. These are full page loads, so the page's new websocket carries the
new cookie.
"""

import json
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

from clawscale.domain.accounts.customers import safe_next_path
from clawscale.domain.accounts.session_handoff import handoff_code
from clawscale.models import SessionSubject
from clawscale.settings import Settings

LOGIN_ROUTE = "/auth/login"


def full_page_load(url: str) -> EventSpec:
    """Navigate the browser to `url` with a real page load (never client-side routing, which
    would keep the old websocket, and could not reach an API on the page's own host)."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def _api_url(settings: Settings, path: str, **params: str) -> str:
    return f"{settings.CLAWSCALE_PUBLIC_API_URL.rstrip('/')}{path}?{urlencode(params)}"


def sign_in_redirect(
    settings: Settings,
    token: str,
    next_path: str | None,
    kind: SessionSubject = SessionSubject.CUSTOMER,
) -> EventSpec:
    """Hand the session `token` of `kind` to the browser's cookie, then land on `next_path`."""
    code = handoff_code(settings, kind, token)
    return full_page_load(
        _api_url(settings, "/api/auth/handoff", code=code, next=safe_next_path(next_path))
    )


def signed_out_redirect(
    settings: Settings,
    login_route: str = LOGIN_ROUTE,
    kind: SessionSubject = SessionSubject.CUSTOMER,
) -> EventSpec:
    """Clear the browser's `kind` session cookie, then land on the sign-in page `login_route`."""
    return full_page_load(
        _api_url(settings, "/api/auth/signed-out", next=login_route, kind=kind.value)
    )


def login_path(next_path: str, login_route: str = LOGIN_ROUTE) -> str:
    """The sign-in page `login_route`, returning to `next_path` afterwards."""
    return f"{login_route}?{urlencode({'next': next_path})}"
