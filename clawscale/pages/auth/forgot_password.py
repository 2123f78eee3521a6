"""`/auth/forgot-password`: ask for a reset link; the answer is the same for every address."""

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import reflex as rx

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, form_field, page_form
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import request_password_reset
from clawscale.i18n.catalogs import N_
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import field_value
from clawscale.state.neutral import (
    EMAIL_FORM_PROBLEMS,
    MAIL_NOT_SENT,
    RESET_LINK_SENT,
    LinkRequestState,
)
from clawscale.state.throttle import throttled
from clawscale.state.validation import email_problem


class ForgotPasswordState(LinkRequestState, CustomerSessionState):
    """Mails a reset link; the answer never tells whether the address has an account."""

    MESSAGES: ClassVar[tuple[str, ...]] = (*EMAIL_FORM_PROBLEMS, RESET_LINK_SENT, MAIL_NOT_SENT)

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Check the address, then ask the domain to mail a link."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        if self._rejected({"email": email_problem(email)}):
            return
        if message := throttled("forgot-password", self.router, email):
            self._fail(message)
            return
        yield None
        await run_domain(lambda db, settings: request_password_reset(db, settings, email))
        self._link_requested(RESET_LINK_SENT)


SPEC = PageSpec(
    "/auth/forgot-password",
    N_("Forgot password"),
    N_("Ask for a password reset link, sent to the email address on your account."),
    Section.PUBLIC,
)


def forgot_password_page() -> rx.Component:
    """The email form."""
    return page_shell(
        SPEC,
        form_card(
            page_form(
                ForgotPasswordState,
                ForgotPasswordState.submit,
                form_field(
                    ForgotPasswordState,
                    t("Email"),
                    "email",
                    input_type="email",
                    autocomplete="email",
                    auto_focus=True,
                ),
                submit_label=t("Send reset link"),
            ),
        ),
        aside(t("Remembered it?"), " ", rx.link(t("Sign in"), href="/auth/login")),
        form_width=True,
    )


PAGE = SitePage(
    SPEC,
    forgot_password_page,
    on_load=(ForgotPasswordState.check_session, ForgotPasswordState.clear_form),
)
