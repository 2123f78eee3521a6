"""`/auth/reset-password`: a new password with the mailed link, then a way back to sign in."""

import reflex as rx

from clawscale.pages.auth.link_forms import new_password_form, unless_link_missing
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import aside, form_card, message_callout
from clawscale.pages.links import button_link
from clawscale.pages.shell import page_shell
from clawscale.state.auth.reset_password import ResetPasswordState

SPEC = PageSpec(
    "/auth/reset-password",
    "Reset password",
    "Choose a new password with the reset link from your email.",
    Section.PUBLIC,
)


def password_changed() -> rx.Component:
    """The good news, and the way to sign in."""
    return form_card(
        message_callout(
            "Your password has been changed. Sign in with your new password.", "success"
        ),
        button_link("Sign in", "/auth/login"),
    )


def reset_password_page() -> rx.Component:
    """The new-password form, or what became of it."""
    return page_shell(
        SPEC,
        unless_link_missing(
            ResetPasswordState,
            rx.cond(
                ResetPasswordState.completed,
                password_changed(),
                new_password_form(
                    ResetPasswordState, ResetPasswordState.submit, "Set new password"
                ),
            ),
        ),
        aside("Link not working? ", rx.link("Ask for a new one", href="/auth/forgot-password")),
        form_width=True,
    )


PAGE = SitePage(SPEC, reset_password_page, on_load=(ResetPasswordState.open_link,))
