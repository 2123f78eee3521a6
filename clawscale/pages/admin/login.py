"""`/admin/login`: an administrator's email and password, then on to the console page that
asked (or the overview)."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, form_field, page_form
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.admins import sign_in_admin
from clawscale.i18n.catalogs import N_
from clawscale.models import SessionSubject
from clawscale.settings import Settings, get_settings
from clawscale.state.admin.session import ADMIN_LOGIN_ROUTE, AdminSessionState
from clawscale.state.redirects import sign_in_redirect
from clawscale.state.sign_in_form import SignInFormState

RATE_LIMIT_ACTION = "admin-login"


def admin_session_token(db: Session, settings: Settings, email: str, password: str) -> str | None:
    """A new admin session token for these credentials (audited); None when they are wrong or
    the admin is inactive."""
    signed_in = sign_in_admin(db, email, password, settings.ADMIN_JWT_SECRET)
    return signed_in.issued.token if signed_in else None


class AdminLoginState(SignInFormState, AdminSessionState):
    """Signs an admin in and hands the session to the browser's admin cookie."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the form and the rate limit, sign in, and go on to `next` (or /admin)."""
        credentials = self._checked_credentials(form_data)
        if credentials is None:
            return
        email, password = credentials
        yield None
        token = await self._limited_sign_in(
            RATE_LIMIT_ACTION,
            email,
            lambda db, settings: admin_session_token(db, settings, email, password),
        )
        if token is None:
            return
        yield sign_in_redirect(get_settings(), token, self._next_path(), SessionSubject.ADMIN)


SPEC = PageSpec(
    ADMIN_LOGIN_ROUTE,
    N_("Admin sign in"),
    N_("Sign in to the ClawScale admin console with your administrator account."),
    Section.ADMIN_ACCESS,
)


def admin_login_page() -> rx.Component:
    """The sign-in form, and the way to the customers' sign-in."""
    return page_shell(
        SPEC,
        form_card(
            page_form(
                AdminLoginState,
                AdminLoginState.submit,
                form_field(
                    AdminLoginState,
                    t("Email"),
                    "email",
                    input_type="email",
                    autocomplete="username",
                    auto_focus=True,
                ),
                form_field(
                    AdminLoginState,
                    t("Password"),
                    "password",
                    input_type="password",
                    autocomplete="current-password",
                ),
                submit_label=t("Sign in"),
            ),
        ),
        aside(
            t("Not an administrator?"),
            " ",
            rx.link(t("Customer sign in"), href="/auth/login"),
        ),
        form_width=True,
    )


PAGE = SitePage(
    SPEC,
    admin_login_page,
    on_load=(AdminLoginState.skip_when_signed_in, AdminLoginState.clear_form),
)
