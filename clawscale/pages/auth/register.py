"""`/auth/register`: a new account, signed in at once, landing on the account page; its email
is written in the language of the page it was made on."""

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, form_field, page_form
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import register, start_session
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.domain.errors import Conflict
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import FormState, field_value
from clawscale.state.locale import LocaleState
from clawscale.state.redirects import sign_in_redirect
from clawscale.state.throttle import TOO_MANY_ATTEMPTS, throttled
from clawscale.state.validation import (
    VALIDATION_MESSAGES,
    email_problem,
    name_problem,
    new_password_problem,
)

EMAIL_TAKEN = N_("That email is already registered — sign in instead.")
AFTER_REGISTER = "/account"


def register_and_sign_in(
    db: Session, settings: Settings, display_name: str, email: str, password: str, locale: str
) -> str | None:
    """A session token for a newly registered account, mailed in `locale`; None when the
    email is taken."""
    try:
        account = register(db, settings, display_name, email, password, locale)
    except Conflict:
        return None
    return start_session(db, settings, account.identity).token


class RegisterState(FormState, CustomerSessionState):
    """Creates an account and hands its first session to the browser's cookie."""

    MESSAGES: ClassVar[tuple[str, ...]] = (*VALIDATION_MESSAGES, TOO_MANY_ATTEMPTS, EMAIL_TAKEN)

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the form, register, and land on the account page."""
        self._begin_submit()
        name = field_value(form_data, "display_name").strip()
        email = field_value(form_data, "email").strip()
        password = field_value(form_data, "password")
        if self._rejected(
            {
                "display_name": name_problem(name),
                "email": email_problem(email),
                "password": new_password_problem(password),
            }
        ):
            return
        if message := throttled("register", self.router, email):
            self._fail(message)
            return
        locale = (await self.get_state(LocaleState)).lang
        yield None
        token = await run_domain(
            lambda db, settings: register_and_sign_in(db, settings, name, email, password, locale)
        )
        if token is None:
            self._rejected({"email": EMAIL_TAKEN})
            return
        yield sign_in_redirect(get_settings(), token, AFTER_REGISTER)


SPEC = PageSpec(
    "/auth/register",
    N_("Create account"),
    N_("Create a ClawScale account and start a free trial for your personal AI agent."),
    Section.PUBLIC,
)


def register_page() -> rx.Component:
    """The sign-up form: name, email and password."""
    return page_shell(
        SPEC,
        form_card(
            page_form(
                RegisterState,
                RegisterState.submit,
                form_field(
                    RegisterState,
                    t("Your name"),
                    "display_name",
                    autocomplete="name",
                    auto_focus=True,
                ),
                form_field(
                    RegisterState, t("Email"), "email", input_type="email", autocomplete="email"
                ),
                form_field(
                    RegisterState,
                    t("Password"),
                    "password",
                    input_type="password",
                    autocomplete="new-password",
                    hint=t("At least {length} characters.", length=MIN_PASSWORD_LENGTH),
                ),
                submit_label=t("Create account"),
            ),
        ),
        aside(t("Already have an account?"), " ", rx.link(t("Sign in"), href="/auth/login")),
        form_width=True,
    )


PAGE = SitePage(
    SPEC, register_page, on_load=(RegisterState.skip_when_signed_in, RegisterState.clear_form)
)
