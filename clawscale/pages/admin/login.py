"""`/admin/login`: an administrator's email and password, then on to the console page that
asked (or the overview)."""

import reflex as rx

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import aside, form_card, form_field, page_form
from clawscale.pages.shell import page_shell
from clawscale.state.admin.login import AdminLoginState
from clawscale.state.admin.session import ADMIN_LOGIN_ROUTE

SPEC = PageSpec(
    ADMIN_LOGIN_ROUTE,
    "Admin sign in",
    "Sign in to the ClawScale admin console with your administrator account.",
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
                    "Email",
                    "email",
                    input_type="email",
                    autocomplete="username",
                    auto_focus=True,
                ),
                form_field(
                    AdminLoginState,
                    "Password",
                    "password",
                    input_type="password",
                    autocomplete="current-password",
                ),
                submit_label="Sign in",
            ),
        ),
        aside("Not an administrator? ", rx.link("Customer sign in", href="/auth/login")),
        form_width=True,
    )


PAGE = SitePage(
    SPEC,
    admin_login_page,
    on_load=(AdminLoginState.skip_when_signed_in, AdminLoginState.clear_form),
)
