"""`/auth/verify-email`: the mailed link verifies on load; a broken link offers a new one."""

import reflex as rx

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import form_card, form_field, message_callout, page_form
from clawscale.pages.links import button_link
from clawscale.pages.shell import page_shell
from clawscale.state.auth.link_forms import LINK_INVALID
from clawscale.state.auth.verify_email import EmailVerificationState, LinkStatus

SPEC = PageSpec(
    "/auth/verify-email",
    "Verify your email",
    "Confirm your email address with the link we sent you to activate your account.",
    Section.PUBLIC,
)


def verified() -> rx.Component:
    """The good news, and the way on."""
    return form_card(
        message_callout("Your email address is verified.", "success"),
        button_link("Go to your account", "/account"),
    )


def new_link_form() -> rx.Component:
    """What went wrong, and a form to mail a fresh link."""
    return form_card(
        message_callout(LINK_INVALID, "error"),
        rx.text("Enter your email address and we'll send you a new link.", size="2"),
        page_form(
            EmailVerificationState,
            EmailVerificationState.resend,
            form_field(
                EmailVerificationState,
                "Email",
                "email",
                input_type="email",
                autocomplete="email",
                default_value=EmailVerificationState.link_email,
            ),
            submit_label="Send a new link",
        ),
    )


def checking() -> rx.Component:
    """While the link is checked."""
    return form_card(
        rx.flex(rx.spinner(), rx.text("Checking your link…"), spacing="3", align="center")
    )


def verify_email_page() -> rx.Component:
    """The outcome of the link the page was opened with."""
    return page_shell(
        SPEC,
        rx.match(
            EmailVerificationState.status,
            (LinkStatus.VERIFIED.value, verified()),
            (LinkStatus.FAILED.value, new_link_form()),
            checking(),
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, verify_email_page, on_load=(EmailVerificationState.verify_link,))
