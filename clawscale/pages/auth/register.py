"""`/auth/register`: a new account, signed in at once, landing on the account page."""

import reflex as rx

from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import aside, form_card, form_field, page_form
from clawscale.pages.shell import page_shell
from clawscale.state.auth.register import RegisterState

SPEC = PageSpec(
    "/auth/register",
    "Create account",
    "Create a ClawScale account and start a free trial for your personal AI agent.",
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
                    "Your name",
                    "display_name",
                    autocomplete="name",
                    auto_focus=True,
                ),
                form_field(
                    RegisterState, "Email", "email", input_type="email", autocomplete="email"
                ),
                form_field(
                    RegisterState,
                    "Password",
                    "password",
                    input_type="password",
                    autocomplete="new-password",
                    hint=f"At least {MIN_PASSWORD_LENGTH} characters.",
                ),
                submit_label="Create account",
            ),
        ),
        aside("Already have an account? ", rx.link("Sign in", href="/auth/login")),
        form_width=True,
    )


PAGE = SitePage(
    SPEC, register_page, on_load=(RegisterState.skip_when_signed_in, RegisterState.clear_form)
)
