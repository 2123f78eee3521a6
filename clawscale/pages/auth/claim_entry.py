"""`/auth/claim-entry?entry=&next=`: the person behind an account made in chat gives an email
address, and is mailed the link that claims it (`/auth/claim`, then back to `next`).

The `entry` token (signed, from a chat hand-off) and `next` are read from the address when the
form is sent; neither is kept in the page's state. Each send counts against the auth forms'
rate limit. The claim link is mailed in the page's language, and the account's later email too.
"""

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, form_field, message_callout, page_form
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import request_claim
from clawscale.domain.errors import DomainError
from clawscale.i18n.catalogs import N_
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import field_value
from clawscale.state.locale import LocaleState
from clawscale.state.neutral import MAIL_NOT_SENT, LinkRequestState
from clawscale.state.redirects import login_path
from clawscale.state.throttle import TOO_MANY_ATTEMPTS, throttled
from clawscale.state.validation import EMAIL_LIKE, VALIDATION_MESSAGES, email_problem

ENTRY_INVALID = N_(
    "This link is invalid or has expired. Ask the agent in chat for a new link to continue."
)
EMAIL_TAKEN = N_("That email address is already in use. Sign in with it, or use another address.")
ALREADY_CLAIMED = N_("This account has already been claimed. Sign in to continue.")
NOT_SENT = N_("We could not send the email right now. Try again in a minute.")


class ClaimEntryState(LinkRequestState, CustomerSessionState):
    """Mails the claim link of the entry token's account to the address given."""

    MESSAGES: ClassVar[tuple[str, ...]] = (
        *VALIDATION_MESSAGES,
        TOO_MANY_ATTEMPTS,
        ENTRY_INVALID,
        EMAIL_TAKEN,
        ALREADY_CLAIMED,
        NOT_SENT,
        MAIL_NOT_SENT,
    )

    entry_missing: bool = False
    sent_to: str = ""

    def _entry_token(self) -> str:
        return self.router.url.query_parameters.get("entry", "").strip()

    @rx.event
    async def open_entry(self) -> None:
        """On load: a fresh form; a link without its entry token shows no form."""
        self._clear_form()
        self.sent_to = ""
        self.entry_missing = not self._entry_token()
        await self._refresh_session()

    def _refused(self, error: DomainError) -> None:
        """Say why the claim email was not sent, by the domain's code."""
        if error.code == "email_already_exists":
            self._rejected({"email": EMAIL_TAKEN})
        elif error.code == "invalid_email":
            self._rejected({"email": EMAIL_LIKE})
        elif error.code == "already_claimed":
            self._fail(ALREADY_CLAIMED)
        elif error.code == "invalid_token":
            self._fail(ENTRY_INVALID)
        else:
            self._fail(NOT_SENT)

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Check the address, then mail the claim link to it."""
        self._begin_submit()
        self.sent_to = ""
        email = field_value(form_data, "email").strip()
        if self._rejected({"email": email_problem(email)}):
            return
        if message := throttled("claim-entry", self.router, email):
            self._fail(message)
            return
        entry, next_path = self._entry_token(), self._next_path()
        if not entry:
            self._fail(ENTRY_INVALID)
            return
        locale = (await self.get_state(LocaleState)).lang
        yield None
        try:
            await run_domain(
                lambda db, settings: request_claim(db, settings, entry, email, next_path, locale)
            )
        except DomainError as error:
            self._refused(error)
            return
        self._link_requested("")
        self.sent_to = "" if self.form_error else email

    @rx.event
    def use_another_address(self) -> None:
        """Back to the form, to send the link to another address."""
        self._clear_form()
        self.sent_to = ""

    @rx.event
    def sign_in_instead(self) -> EventSpec:
        """To the sign-in page, returning to the link's `next` page afterwards."""
        return rx.redirect(login_path(self._next_path()))


SPEC = PageSpec(
    "/auth/claim-entry",
    N_("Claim your account"),
    N_(
        "Your agent made an account for you when you first wrote to it in chat. Enter your email "
        "address and we'll send you a link to claim it and continue."
    ),
    Section.PUBLIC,
)


def email_form() -> rx.Component:
    """The address to mail the claim link to."""
    return form_card(
        page_form(
            ClaimEntryState,
            ClaimEntryState.submit,
            form_field(
                ClaimEntryState,
                t("Email"),
                "email",
                input_type="email",
                autocomplete="email",
                auto_focus=True,
                placeholder="name@example.com",
            ),
            submit_label=t("Email me a claim link"),
        )
    )


def check_inbox() -> rx.Component:
    """Where the link went, and how to send it elsewhere."""
    return form_card(
        rx.heading(t("Check your inbox"), as_="h2", size="5"),
        message_callout(
            t(
                "We sent a link to {email}. Open it to choose a password and continue. The link "
                "works once, for 24 hours.",
                email=ClaimEntryState.sent_to,
            ),
            "success",
        ),
        rx.text(
            t("No email after a few minutes? Check your spam folder, or enter your address again."),
            size="2",
            color_scheme="gray",
        ),
        rx.flex(
            rx.button(
                t("Enter the address again"),
                on_click=ClaimEntryState.use_another_address,
                variant="soft",
                size="3",
                cursor="pointer",
            )
        ),
    )


def sign_in_link() -> rx.Component:
    """For someone who already has an account."""
    return aside(
        t("Already claimed your account?"),
        " ",
        rx.link(
            t("Sign in"),
            href="/auth/login",
            on_click=ClaimEntryState.sign_in_instead.prevent_default,
        ),
    )


def claim_entry_page() -> rx.Component:
    """The email form, the inbox notice, or why the link is no good."""
    return page_shell(
        SPEC,
        rx.cond(
            ClaimEntryState.entry_missing,
            form_card(message_callout(t(ENTRY_INVALID), "error")),
            rx.cond(ClaimEntryState.sent_to != "", check_inbox(), email_form()),
        ),
        sign_in_link(),
        form_width=True,
    )


PAGE = SitePage(SPEC, claim_entry_page, on_load=(ClaimEntryState.open_entry,))
