"""Who is signed in on a page: the customer session in the browser's HttpOnly cookie.

The cookie reaches the backend in the headers of the page's websocket handshake, so it is read
on the server and never reaches the browser's JavaScript or the state sent to it.
"""

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.accounts.customers import Account, account_of, safe_next_path
from clawscale.domain.accounts.sessions import CUSTOMER_COOKIE, resolve_session, revoke_session
from clawscale.domain.errors import NotFound
from clawscale.models import AuthSession, Identity, SessionSubject
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.redirects import login_path, signed_out_redirect
from clawscale.state.visit import current_path, requested_next, visit_cookie

AUTH_PAGES = "/auth/"
DEFAULT_NEXT_PATH = safe_next_path(None)


def live_session(db: Session, settings: Settings, token: str | None) -> AuthSession | None:
    """The live customer session a token carries."""
    if not token:
        return None
    return resolve_session(db, token, SessionSubject.CUSTOMER, settings.CUSTOMER_JWT_SECRET)


def signed_in_account(db: Session, settings: Settings, token: str | None) -> Account | None:
    """The account behind a live customer session token; None when signed out."""
    row = live_session(db, settings, token)
    identity = db.get(Identity, row.subject_id) if row else None
    if identity is None:
        return None
    try:
        return account_of(db, identity)
    except NotFound:
        return None


def end_session(db: Session, settings: Settings, token: str | None) -> None:
    """Revoke the session a token carries, if it is still live."""
    row = live_session(db, settings, token)
    if row is not None:
        revoke_session(db, row)


class CustomerSessionState(rx.State):
    """Whether the page's visitor is a signed-in customer; the guard of customer pages."""

    signed_in: bool = False
    session_checked: bool = False

    def _session_token(self) -> str | None:
        return visit_cookie(self.router, CUSTOMER_COOKIE)

    def _next_path(self) -> str:
        """The same-site page to return to, from the `next` query parameter (never a sign-in
        page, which would send a signed-in visitor round in circles)."""
        next_path = safe_next_path(requested_next(self.router))
        return DEFAULT_NEXT_PATH if next_path.startswith(AUTH_PAGES) else next_path

    async def _refresh_session(self) -> Account | None:
        """Resolve the cookie's session afresh and remember whether someone is signed in."""
        token = self._session_token()
        account = await run_domain(lambda db, settings: signed_in_account(db, settings, token))
        self.signed_in = account is not None
        self.session_checked = True
        return account

    def _found_for_customer(self, found: object | None) -> EventSpec | None:
        """After a read that needs a signed-in customer: remember whether it `found` one; when
        not, forget the page's data and send the visitor to sign in."""
        self.session_checked = True
        self.signed_in = found is not None
        if found is None:
            self.reset()
            return self._to_login()
        return None

    def _to_login(self) -> EventSpec:
        """Send a signed-out visitor to sign in, then back to this page."""
        return rx.redirect(login_path(current_path(self.router)), replace=True)

    @rx.event
    async def check_session(self) -> None:
        """On load of a public page: learn whether the visitor is signed in (for the nav)."""
        await self._refresh_session()

    @rx.event
    async def require_customer(self) -> EventSpec | None:
        """On load of a customer page: send signed-out visitors to sign in first."""
        if await self._refresh_session() is None:
            return self._to_login()
        return None

    @rx.event
    async def skip_when_signed_in(self) -> EventSpec | None:
        """On load of sign-in and sign-up: a signed-in visitor goes straight on to `next`."""
        if await self._refresh_session() is not None:
            return rx.redirect(self._next_path(), replace=True)
        return None

    @rx.event
    async def sign_out(self) -> EventSpec:
        """End this session in the database, then let the API clear the cookie."""
        token = self._session_token()
        await run_domain(lambda db, settings: end_session(db, settings, token))
        self.reset()
        return signed_out_redirect(get_settings())
