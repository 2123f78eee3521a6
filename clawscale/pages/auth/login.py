"""`/auth/login`: email and password, then back to the page that asked (or the account)."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, form_field, page_form
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import authenticate, start_session
from clawscale.domain.errors import Unauthenticated
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings, get_settings
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.redirects import sign_in_redirect
from clawscale.state.sign_in_form import SignInFormState


def sign_in(db: Session, settings: Settings, email: str, password: str) -> str | None:
    """A new session token for these credentials; None when they are wrong."""
    try:
        identity = authenticate(db, email, password)
    except Unauthenticated:
        return None
    return start_session(db, settings, identity).token


class LoginState(SignInFormState, CustomerSessionState):
    """Signs a customer in and hands the session to the browser's cookie."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the form, then sign in and go on to `next` (or /account)."""
        credentials = self._checked_credentials(form_data)
        if credentials is None:
            return
        email, password = credentials
        yield None
        token = await self._limited_sign_in(
            "login", email, lambda db, settings: sign_in(db, settings, email, password)
        )
        if token is None:
            return
        yield sign_in_redirect(get_settings(), token, self._next_path())


SPEC = PageSpec(
    "/auth/login",
    N_("Sign in"),
    N_("Sign in with your email and password to manage your channels and agent."),
    Section.PUBLIC,
)


def login_page() -> rx.Component:
    """The sign-in form, with the ways to a new password and a new account."""
    return page_shell(
        SPEC,
        form_card(
            page_form(
                LoginState,
                LoginState.submit,
                form_field(
                    LoginState,
                    t("Email"),
                    "email",
                    input_type="email",
                    autocomplete="email",
                    auto_focus=True,
                ),
                form_field(
                    LoginState,
                    t("Password"),
                    "password",
                    input_type="password",
                    autocomplete="current-password",
                ),
                submit_label=t("Sign in"),
            ),
            aside(rx.link(t("Forgot your password?"), href="/auth/forgot-password")),
        ),
        aside(t("New to ClawScale?"), " ", rx.link(t("Create an account"), href="/auth/register")),
        form_width=True,
    )


PAGE = SitePage(SPEC, login_page, on_load=(LoginState.skip_when_signed_in, LoginState.clear_form))
