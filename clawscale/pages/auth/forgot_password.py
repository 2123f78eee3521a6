"""`/auth/forgot-password`: ask for a reset link; the answer is the same for every address."""

import reflex as rx

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import aside, form_card, form_field, page_form
from clawscale.pages.shell import page_shell
from clawscale.state.auth.forgot_password import ForgotPasswordState

SPEC = PageSpec(
    "/auth/forgot-password",
    "Forgot password",
    "Ask for a password reset link, sent to the email address on your account.",
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
                    "Email",
                    "email",
                    input_type="email",
                    autocomplete="email",
                    auto_focus=True,
                ),
                submit_label="Send reset link",
            ),
        ),
        aside("Remembered it? ", rx.link("Sign in", href="/auth/login")),
        form_width=True,
    )


PAGE = SitePage(
    SPEC,
    forgot_password_page,
    on_load=(ForgotPasswordState.check_session, ForgotPasswordState.clear_form),
)
