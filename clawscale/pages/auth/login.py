"""`/auth/login`: email and password, then back to the page that asked (or the account)."""

import reflex as rx

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import aside, form_card, form_field, page_form
from clawscale.pages.shell import page_shell
from clawscale.state.auth.login import LoginState

SPEC = PageSpec(
    "/auth/login",
    "Sign in",
    "Sign in with your email and password to manage your channels and agent.",
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
                    "Email",
                    "email",
                    input_type="email",
                    autocomplete="email",
                    auto_focus=True,
                ),
                form_field(
                    LoginState,
                    "Password",
                    "password",
                    input_type="password",
                    autocomplete="current-password",
                ),
                submit_label="Sign in",
            ),
            aside(rx.link("Forgot your password?", href="/auth/forgot-password")),
        ),
        aside("New to ClawScale? ", rx.link("Create an account", href="/auth/register")),
        form_width=True,
    )


PAGE = SitePage(SPEC, login_page, on_load=(LoginState.skip_when_signed_in, LoginState.clear_form))
