"""`/api/auth/handoff` and `/api/auth/signed-out`: the browser's session cookie for the pages.

Pages sign people in and out over Reflex's websocket; these two redirects set or clear the
HttpOnly cookie and send the browser back to the page it came from (same site only).
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from clawscale.api.deps import SessionDep
from clawscale.api.errors import ApiError
from clawscale.api.security import SettingsDep
from clawscale.api.session_cookies import clear_session_cookie, set_session_cookie
from clawscale.domain.accounts.customers import safe_next_path
from clawscale.domain.accounts.session_handoff import redeem_handoff
from clawscale.domain.accounts.sessions import SESSION_COOKIES
from clawscale.models import SessionSubject
from clawscale.settings import Settings

router = APIRouter(prefix="/api/auth")

NextPath = Annotated[str | None, Query(max_length=2048)]


def _back_to_page(settings: Settings, next_path: str | None) -> RedirectResponse:
    target = settings.DOMAIN_CLIENT.rstrip("/") + safe_next_path(next_path)
    return RedirectResponse(target, status_code=303)


@router.get("/handoff")
def handoff(
    code: Annotated[str, Query(min_length=1, max_length=4096)],
    db: SessionDep,
    settings: SettingsDep,
    next: NextPath = None,
) -> RedirectResponse:
    """Set the session cookie from a fresh handoff code, then return to the page."""
    redeemed = redeem_handoff(db, settings, code)
    if redeemed is None:
        raise ApiError(400, "invalid_token", "This sign-in link is invalid or has expired.")
    kind, token = redeemed
    response = _back_to_page(settings, next)
    set_session_cookie(response, settings, SESSION_COOKIES[kind], token)
    return response


@router.get("/signed-out")
def signed_out(
    settings: SettingsDep, next: NextPath = None, kind: SessionSubject | None = None
) -> RedirectResponse:
    """Clear the session cookie of `kind` (both without one), then return to the page."""
    response = _back_to_page(settings, next)
    for cookie_kind, cookie in SESSION_COOKIES.items():
        if kind is None or kind is cookie_kind:
            clear_session_cookie(response, cookie)
    return response
