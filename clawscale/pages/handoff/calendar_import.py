"""`/handoff/calendar-import?token=`: the link an agent sends in chat to import a Google Calendar.

Acts on load. A signed-in, active customer claims the hand-off (the chat account joins their
account) and goes on to `/account/calendar-import`, carrying it. A signed-out visitor goes to
claim the account chat made for them (`/auth/claim-entry`) or to sign in, and comes back here
afterwards. A link that is unknown, expired or used, or whose chat account belongs to another
account, is explained in words. The token is read from the address on each visit; it is never
kept in the page's state nor shown.
"""

from collections.abc import AsyncIterator
from enum import StrEnum

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import form_card, message_callout
from clawscale.components.links import button_link
from clawscale.components.shell import page_shell, waiting
from clawscale.components.translated import t
from clawscale.domain.calendar_import.handoffs import (
    IMPORT_PAGE_PATH,
    claim_handoff,
    continue_path,
    visitor_entry,
)
from clawscale.domain.errors import DomainError
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState, signed_in_account


class LinkOutcome(StrEnum):
    """What the page shows while it stays: the check, or why the link cannot be followed (the
    domain's error codes)."""

    CHECKING = "checking"
    MISSING = "missing"
    INVALID = "invalid_handoff"
    EXPIRED = "expired_handoff"
    USED = "handoff_already_consumed"
    BOUND = "identity_already_bound"
    NOT_ACTIVE = "account_not_active"
    FAILED = "failed"


KNOWN_PROBLEMS = frozenset(LinkOutcome) - {LinkOutcome.CHECKING}


def follow_link(db: Session, settings: Settings, session_token: str | None, token: str) -> str:
    """Where the link leads: a signed-in customer claims the hand-off and continues to the
    import page; a signed-out visitor goes to claim their account or to sign in. Domain errors
    (the link's or the account's) reach the caller, and nothing is changed."""
    account = signed_in_account(db, settings, session_token)
    if account is None:
        return visitor_entry(db, settings, token)
    claim_handoff(db, token, account.customer.id, account.identity.id)
    return continue_path(token)


class CalendarHandoffState(CustomerSessionState):
    """Follows the link once on load; stays only to say why it could not."""

    outcome: str = LinkOutcome.CHECKING

    @rx.event
    async def open_link(self) -> AsyncIterator[EventSpec | None]:
        """On load: claim the hand-off of the `token` in the address, or send the visitor to
        claim their account or to sign in first."""
        self.outcome = LinkOutcome.CHECKING
        yield None
        token = self.router.url.query_parameters.get("token", "").strip()
        session_token = self._session_token()
        await self._refresh_session()
        if not token:
            self.outcome = LinkOutcome.MISSING
            return
        try:
            path = await run_domain(
                lambda db, settings: follow_link(db, settings, session_token, token)
            )
        except DomainError as error:
            known = error.code in KNOWN_PROBLEMS
            self.outcome = error.code if known else LinkOutcome.FAILED
            return
        yield rx.redirect(path, replace=True)


SPEC = PageSpec(
    "/handoff/calendar-import",
    N_("Import your Google Calendar"),
    N_("Continue from your chat with the agent to import your Google Calendar."),
    Section.PUBLIC,
)

MISSING = N_(
    "This import link is incomplete. Open the link from your chat again, or copy all of it "
    "into the address bar."
)
INVALID = N_("This import link is not valid. Ask the agent in chat for a new link.")
EXPIRED = N_(
    "This import link has expired: links from chat work for 15 minutes. Ask the agent in chat "
    "for a new link."
)
USED = N_("This import link has already been used. Ask the agent in chat for a new link.")
BOUND = N_(
    "The chat account this link came from belongs to another ClawScale account. Sign out, "
    "then sign in with that account to import your calendar."
)
NOT_ACTIVE = N_(
    "Verify your email address first: open the link we emailed you, or get a new one from "
    "your account. Then open the link from chat again."
)
FAILED = N_("This import link cannot be used right now. Ask the agent in chat for a new link.")


def problem(message: str, *actions: rx.Component) -> rx.Component:
    """Why the link cannot be followed (an `N_`-marked message id), and the ways on."""
    return form_card(
        message_callout(t(message), "error"),
        rx.flex(*actions, spacing="3", wrap="wrap") if actions else rx.fragment(),
    )


def import_from_account() -> rx.Component:
    """The way to import without a link from chat."""
    return rx.flex(
        rx.text(t("You can also import your calendar from your account."), size="2"),
        rx.flex(button_link(t("Import from your account"), IMPORT_PAGE_PATH, variant="soft")),
        direction="column",
        spacing="3",
    )


def sign_out_button() -> rx.Component:
    """Ends this session, to sign in with the account that holds the chat account."""
    return rx.button(
        rx.icon("log-out", size=16),
        t("Sign out"),
        on_click=CalendarHandoffState.sign_out,
        variant="soft",
        size="3",
        cursor="pointer",
    )


def checking() -> rx.Component:
    """While the link is followed."""
    return form_card(waiting(t("Checking your import link…")))


def handoff_page() -> rx.Component:
    """The check, or why the link cannot be followed."""
    return page_shell(
        SPEC,
        rx.match(
            CalendarHandoffState.outcome,
            (LinkOutcome.MISSING.value, problem(MISSING)),
            (LinkOutcome.INVALID.value, problem(INVALID)),
            (LinkOutcome.EXPIRED.value, problem(EXPIRED, import_from_account())),
            (LinkOutcome.USED.value, problem(USED, import_from_account())),
            (LinkOutcome.BOUND.value, problem(BOUND, sign_out_button())),
            (
                LinkOutcome.NOT_ACTIVE.value,
                problem(NOT_ACTIVE, button_link(t("Go to your account"), "/account")),
            ),
            (LinkOutcome.FAILED.value, problem(FAILED)),
            checking(),
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, handoff_page, on_load=(CalendarHandoffState.open_link,))
