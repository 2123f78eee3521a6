"""Who is signed in on an admin page: the admin session in the browser's HttpOnly admin cookie.

The guard of every `/admin/*` page but the sign-in: signed-out visitors go to
`/admin/login?next=<page>` and come back after signing in. Handlers that read or change data
run through `AdminSessionState._as_admin`, which resolves the cookie in the same transaction as
the work, so an admin removed or signed out elsewhere loses access at the next click.

Every console page's State derives from `AdminSessionState`; signing out, and any refusal of a
session that is no longer live, resets all of them (`console_states`), so a reload of the tab
receives none of the console's data.
"""

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.accounts.admins import sign_out_admin, signed_in_admin
from clawscale.domain.accounts.customers import safe_next_path
from clawscale.domain.accounts.sessions import ADMIN_COOKIE
from clawscale.models import AdminAccount, SessionSubject
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.redirects import login_path, signed_out_redirect
from clawscale.state.visit import current_path, requested_next, visit_cookie

T = TypeVar("T")

ADMIN_HOME = "/admin"
ADMIN_LOGIN_ROUTE = "/admin/login"

AdminWork = Callable[[Session, Settings, AdminAccount], T]


class AdminSignedOut(Exception):
    """The page's admin session is missing, expired, revoked, or its admin is inactive."""


def as_admin(token: str | None, work: AdminWork[T]) -> Callable[[Session, Settings], T]:
    """`work` run as the cookie's admin, in the same transaction; AdminSignedOut without one."""

    def run(db: Session, settings: Settings) -> T:
        signed_in = signed_in_admin(db, settings, token)
        if signed_in is None:
            raise AdminSignedOut
        return work(db, settings, signed_in.admin)

    return run


def end_admin_session(db: Session, settings: Settings, token: str | None) -> None:
    """Sign the cookie's admin out (audited), if the session is still live."""
    signed_in = signed_in_admin(db, settings, token)
    if signed_in is not None:
        sign_out_admin(db, signed_in.admin.id, signed_in.session)


def is_console_path(path: str) -> bool:
    """Whether `path` is a page of the console (the sign-in page is not, nor a path that
    climbs out of `/admin` with `..`)."""
    page = unquote(path.split("?", 1)[0].split("#", 1)[0]).rstrip("/") or "/"
    inside = page == ADMIN_HOME or page.startswith(ADMIN_HOME + "/")
    return inside and ".." not in page.split("/") and page != ADMIN_LOGIN_ROUTE


def admin_next_path(candidate: str | None) -> str:
    """The console page to land on after signing in: `candidate` when it is one, else the
    overview (never another site, a customer page, or the sign-in page itself)."""
    path = safe_next_path(candidate)
    return path if is_console_path(path) else ADMIN_HOME


def console_states(base: type[rx.State]) -> list[type[rx.State]]:
    """`base` and every State below it in Reflex's tree (a new console page's State is found
    without being listed)."""
    found = [base]
    for substate in base.get_substates():
        found += console_states(substate)
    return found


class AdminSessionState(rx.State):
    """Whether the page's visitor is a signed-in admin, and who; the console's guard."""

    signed_in: bool = False
    session_checked: bool = False
    admin_email: str = ""

    def _session_token(self) -> str | None:
        return visit_cookie(self.router, ADMIN_COOKIE)

    def _next_path(self) -> str:
        """The console page the sign-in page was asked to return to."""
        return admin_next_path(requested_next(self.router))

    def _remember(self, admin: AdminAccount | None) -> None:
        self.signed_in = admin is not None
        self.session_checked = True
        self.admin_email = admin.email if admin else ""

    async def _forget_console(self) -> None:
        """Reset every console State of this tab to its defaults (loading any not in memory)."""
        for state_class in console_states(AdminSessionState):
            (await self.get_state(state_class)).reset()

    def _signed_out(self) -> EventSpec:
        """Forget the admin, then clear the console and send the visitor to sign in, then
        back to this page (`leave_console`)."""
        self._remember(None)
        return AdminSessionState.leave_console()

    @rx.event
    async def leave_console(self) -> EventSpec:
        """After a refused session: clear every console State, and send the visitor to sign
        in, then back to this page."""
        await self._forget_console()
        return rx.redirect(login_path(current_path(self.router), ADMIN_LOGIN_ROUTE), replace=True)

    async def _as_admin(self, work: AdminWork[T]) -> T:
        """Run `work(db, settings, admin)` for the cookie's admin in one transaction (in a
        worker thread); AdminSignedOut when the session is no longer live."""
        return await run_domain(as_admin(self._session_token(), work))

    async def _refresh_session(self) -> bool:
        """Resolve the cookie's session afresh; whether an active admin is signed in."""
        token = self._session_token()
        signed_in = await run_domain(lambda db, settings: signed_in_admin(db, settings, token))
        self._remember(signed_in.admin if signed_in else None)
        return signed_in is not None

    @rx.event
    async def require_admin(self) -> EventSpec | None:
        """On load of a console page: send signed-out visitors to sign in first."""
        if not await self._refresh_session():
            return self._signed_out()
        return None

    @rx.event
    async def skip_when_signed_in(self) -> EventSpec | None:
        """On load of the sign-in page: a signed-in admin goes straight on to `next`."""
        if await self._refresh_session():
            return rx.redirect(self._next_path(), replace=True)
        return None

    @rx.event
    async def sign_out(self) -> EventSpec:
        """End this admin session (audited), then let the API clear the cookie."""
        token = self._session_token()
        await run_domain(lambda db, settings: end_admin_session(db, settings, token))
        await self._forget_console()
        return signed_out_redirect(get_settings(), ADMIN_LOGIN_ROUTE, SessionSubject.ADMIN)
