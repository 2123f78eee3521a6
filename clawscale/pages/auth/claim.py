"""`/auth/claim`: the person a chat account was made for chooses a password and signs in."""

import reflex as rx

from clawscale.pages.auth.link_forms import new_password_form, unless_link_missing
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.shell import page_shell
from clawscale.state.auth.claim import ClaimState

SPEC = PageSpec(
    "/auth/claim",
    "Claim your account",
    "Claim the account created for you when you first messaged an agent, and set a password.",
    Section.PUBLIC,
)


def claim_page() -> rx.Component:
    """The password form of the claim link."""
    return page_shell(
        SPEC,
        unless_link_missing(
            ClaimState, new_password_form(ClaimState, ClaimState.submit, "Claim account")
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, claim_page, on_load=(ClaimState.open_link,))
