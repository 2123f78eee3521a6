"""`/account/calendar-import` (signed-in only): import the customer's primary Google Calendar
into their agent.

On load the page asks the domain whether an import can start (`preflight_import`, with the
chat hand-off of `?handoff=` when given) and shows "Connect Google Calendar", or why not in
words, and the latest run. Connecting opens a run (`start_import`) and sends the browser to
Google's consent screen with a full page load; Google's callback (an API route) returns it to
`?googleCalendarImport=complete|error&runId=`. While the run shown waits for Google or imports,
a background event reads it about once a second and shows each change.

The hand-off token stays in the address: it is read from there when needed and never kept in
the page's state; a link from chat that can no longer be used is set aside (the import then
goes to the customer's latest conversation). Handlers call the domain directly, as the
customer of the page's session cookie, resolved afresh for every action.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime

import httpx
import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.details import detail, section_card
from clawscale.components.forms import answer, message_callout
from clawscale.components.links import button_link
from clawscale.components.shell import loaded_page
from clawscale.db import get_engine
from clawscale.domain.calendar_import.importer import Importer, preflight_import, start_import
from clawscale.domain.calendar_import.runs import latest_run, own_run
from clawscale.domain.errors import DomainError
from clawscale.models import CalendarImportRun, ClaimStatus, ImportRunStatus
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.state.formatting import readable_time
from clawscale.state.redirects import full_page_load

HTTP_TIMEOUT_SECONDS = 15.0
FOLLOW_SECONDS = 600.0
FOLLOW_PAUSE_SECONDS = 1.0
CALLBACK_RESULTS = frozenset({"complete", "error"})
LIVE = frozenset({ImportRunStatus.AUTHORIZING, ImportRunStatus.IMPORTING})
FINISHED = frozenset(ImportRunStatus) - LIVE
HANDOFF_PROBLEMS = frozenset({"invalid_handoff", "expired_handoff", "handoff_already_consumed"})
EMAIL_NOT_VERIFIED = "email_not_verified"
SUBSCRIPTION_REQUIRED = "subscription_required"
CONVERSATION_REQUIRED = "conversation_required"
RUNTIME_CODE_PREFIX = "google_calendar_import_"

BLOCKED_REASONS: dict[str, str] = {
    CONVERSATION_REQUIRED: (
        "Message the agent in chat first, then come back here: your calendar is imported "
        "into your conversation with it."
    ),
    "google_calendar_not_configured": (
        "Google Calendar import is not set up on this gateway yet. Try again later."
    ),
    "account_suspended": "This account is suspended, so it cannot import a calendar.",
    SUBSCRIPTION_REQUIRED: "Your access has lapsed. Renew it to import your calendar.",
    EMAIL_NOT_VERIFIED: "Verify your email address before importing your calendar.",
    "runtime_unavailable": (
        "No agent serves your account yet, so there is nowhere to import your calendar to. "
        "Try again later."
    ),
    "import_in_progress": "An import is already running. Wait for it to finish.",
    "claim_inactive": "Verify your email address before importing your calendar.",
}
AGENT_UNREACHABLE = "Your agent could not be reached. Try again in a minute."
HANDOFF_NOTES: dict[str, str] = {
    "expired_handoff": "The link from chat has expired",
    "handoff_already_consumed": "The link from chat has already been used",
    "invalid_handoff": "The link from chat is not valid for this account",
}
RUN_REASONS: dict[str, str] = {
    "access_denied": "You declined access at Google.",
    "invalid_grant": "Google's sign-in expired before the import could start. Try again.",
    "import_in_progress": "Another import was already running.",
    "superseded": "A newer import was started before this one was connected.",
    "import_interrupted": "The import was interrupted before it finished. Try again.",
    "runtime_unavailable": "No agent serves your account, so the events had nowhere to go.",
    CONVERSATION_REQUIRED: (
        "Your agent had no conversation with you to import into. Message it in chat first."
    ),
    "missing_google_calendar_code": "Google sent you back without access to your calendar.",
    "google_calendar_token_exchange_failed": "Google did not finish the sign-in. Try again.",
    "google_calendar_api_unreachable": "Google Calendar could not be reached. Try again.",
    "insufficientPermissions": "Google did not give access to your calendar.",
    "google_calendar_import_failed": "Something went wrong during the import. Try again.",
    "duplicate_existing_reminder": "Events imported before were skipped.",
    "unsupported_recurring_exceptions": ("Repeating events with changed occurrences were skipped."),
    "google_calendar_import_warnings": "Some events could not be imported as they are.",
}
RUN_HEADLINES: dict[str, str] = {
    ImportRunStatus.AUTHORIZING: "Waiting for Google",
    ImportRunStatus.IMPORTING: "Importing…",
    ImportRunStatus.SUCCEEDED: "Import complete",
    ImportRunStatus.SUCCEEDED_WITH_ERRORS: "Import complete, with warnings",
    ImportRunStatus.FAILED: "Import failed",
}
RUN_BADGES: dict[str, tuple[str, str]] = {
    ImportRunStatus.AUTHORIZING: ("Waiting for Google", "amber"),
    ImportRunStatus.IMPORTING: ("Importing", "blue"),
    ImportRunStatus.SUCCEEDED: ("Succeeded", "green"),
    ImportRunStatus.SUCCEEDED_WITH_ERRORS: ("Succeeded with warnings", "amber"),
    ImportRunStatus.FAILED: ("Failed", "red"),
}


def blocked_words(code: str) -> str:
    """Why an import cannot start, for a person."""
    if code in BLOCKED_REASONS:
        return BLOCKED_REASONS[code]
    if code in RUN_REASONS:
        return RUN_REASONS[code]
    if code.startswith(RUNTIME_CODE_PREFIX):
        return AGENT_UNREACHABLE
    return f"Your calendar cannot be imported right now ({code})."


def reason_words(code: str) -> str:
    """Why a run failed or warned, for a person (the code itself when it is not known)."""
    if code in RUN_REASONS:
        return RUN_REASONS[code]
    if code.startswith(RUNTIME_CODE_PREFIX + "run_"):
        return "Your agent could not be reached during the import. Try again."
    return f"Reason: {code}."


def events(count: int) -> str:
    """ "1 event", "2 events"."""
    return f"{count} event" if count == 1 else f"{count} events"


@dataclass(frozen=True)
class ImportCustomer:
    """Who the page acts for, and whether their identity may import yet (claimed, verified)."""

    customer_id: str
    identity_id: str
    active: bool


def import_customer(db: Session, settings: Settings, token: str | None) -> ImportCustomer | None:
    """The customer behind the page's session cookie; None when signed out."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    active = account.identity.claim_status == ClaimStatus.ACTIVE
    return ImportCustomer(account.customer.id, account.identity.id, active)


@dataclass(frozen=True)
class RunView:
    """A run as the page shows it (no verifier, no token)."""

    run_id: str
    status: str
    imported: int
    skipped: int
    failed: int
    error_summary: str
    account_email: str
    finished_at: datetime | None


def run_view(run: CalendarImportRun | None) -> RunView | None:
    """What the page shows of `run`."""
    if run is None:
        return None
    return RunView(
        run.id,
        run.status,
        run.imported_count,
        run.skipped_count,
        run.failed_count,
        run.error_summary or "",
        run.provider_account_email or "",
        run.finished_at,
    )


def shown_run(db: Session, who: ImportCustomer, run_id: str) -> RunView | None:
    """The run `run_id` when it is the customer's (Google's callback names it), else their
    latest."""
    asked = own_run(db, run_id, who.customer_id, who.identity_id) if run_id else None
    return run_view(asked or latest_run(db, who.customer_id, who.identity_id))


def importer(who: ImportCustomer, handoff: str | None) -> Importer:
    """The domain's importer for the page's customer."""
    return Importer(who.customer_id, who.identity_id, handoff)


@dataclass(frozen=True)
class Readiness:
    """Whether "Connect Google Calendar" can start; why not (a code); and the code of a link
    from chat that could not be used (set aside)."""

    ready: bool
    blocked_reason: str = ""
    handoff_problem: str = ""


async def readiness(who: ImportCustomer, handoff: str | None) -> Readiness:
    """Ask the domain (and through it the agent) whether an import can start now."""
    if not who.active:
        return Readiness(False, EMAIL_NOT_VERIFIED)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
            checked = await preflight_import(
                get_engine(), get_settings(), client, importer(who, handoff)
            )
    except DomainError as error:
        if handoff and error.code in HANDOFF_PROBLEMS:
            return replace(await readiness(who, None), handoff_problem=error.code)
        return Readiness(False, error.code)
    if checked.ready:
        return Readiness(True)
    return Readiness(False, checked.blocked_reason or CONVERSATION_REQUIRED)


async def google_consent_url(who: ImportCustomer, handoff: str | None) -> str:
    """Open a run and return Google's consent URL (domain errors reach the caller)."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
        started = await start_import(get_engine(), get_settings(), client, importer(who, handoff))
    return started.url


class CalendarImportState(CustomerSessionState):
    """Whether the customer can import, the run shown, and its live progress."""

    loaded: bool = False
    ready: bool = False
    blocked_reason: str = ""
    handoff_problem: str = ""
    callback_result: str = ""
    run_id: str = ""
    run_status: str = ""
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    run_reason: str = ""
    account_email: str = ""
    finished_at: str = ""
    problem: str = ""
    problem_code: str = ""
    starting: bool = False
    following: bool = False
    _use_handoff: bool = True
    _follow_round: int = 0

    def _handoff(self) -> str | None:
        """The chat hand-off token of the address, unless it was set aside."""
        token = self.router.url.query_parameters.get("handoff", "").strip()
        return token if token and self._use_handoff else None

    def _show_run(self, run: RunView | None) -> None:
        self.run_id = run.run_id if run else ""
        self.run_status = run.status if run else ""
        self.imported = run.imported if run else 0
        self.skipped = run.skipped if run else 0
        self.failed = run.failed if run else 0
        self.run_reason = reason_words(run.error_summary) if run and run.error_summary else ""
        self.account_email = run.account_email if run else ""
        finished = run.finished_at if run else None
        self.finished_at = readable_time(finished) if finished else ""

    def _show_readiness(self, checked: Readiness) -> None:
        self.ready = checked.ready
        self.blocked_reason = checked.blocked_reason
        if checked.handoff_problem:
            self.handoff_problem = checked.handoff_problem
            self._use_handoff = False

    def _refuse(self, code: str) -> None:
        """Show why a start was refused; a link from chat that can no longer be used is set
        aside, so the next click imports from the account."""
        self.starting = False
        self.problem_code = code
        if code in HANDOFF_PROBLEMS:
            self.handoff_problem = code
            self._use_handoff = False
            self.problem = "The link from chat can no longer be used. Connect again to import."
        else:
            self.problem = blocked_words(code)

    @rx.var
    def run_live(self) -> bool:
        """Whether the run shown still waits for Google or imports."""
        return self.run_status in LIVE

    @rx.var
    def run_finished(self) -> bool:
        """Whether the run shown has ended (an import may run again)."""
        return self.run_status in FINISHED

    @rx.var
    def can_connect(self) -> bool:
        """Whether to offer to connect (not while an import runs)."""
        return self.ready and self.run_status != ImportRunStatus.IMPORTING

    @rx.var
    def blocked_text(self) -> str:
        """Why an import cannot start, in words ("" when it can)."""
        return "" if self.ready or not self.blocked_reason else blocked_words(self.blocked_reason)

    @rx.var
    def renew_offered(self) -> bool:
        """Whether the way to renew access on `/account` helps."""
        return SUBSCRIPTION_REQUIRED in (self.blocked_reason, self.problem_code)

    @rx.var
    def verify_offered(self) -> bool:
        """Whether the way to verify the email on `/account` helps."""
        return EMAIL_NOT_VERIFIED in (self.blocked_reason, self.problem_code)

    @rx.var
    def handoff_note(self) -> str:
        """What became of the link from chat, when it could not be used."""
        note = HANDOFF_NOTES.get(self.handoff_problem, "")
        return (
            f"{note}, so the import goes to your latest conversation with the agent."
            if note
            else ""
        )

    @rx.var
    def run_headline(self) -> str:
        """The run shown, in a few words."""
        return RUN_HEADLINES.get(self.run_status, self.run_status)

    @rx.var
    def run_summary(self) -> str:
        """What the run shown did, or is doing."""
        status = self.run_status
        if status == ImportRunStatus.AUTHORIZING:
            return (
                "Finish connecting your calendar in Google's window. This page updates by itself."
            )
        if status == ImportRunStatus.IMPORTING:
            return "Your events are on their way to your agent. This page updates by itself."
        if status in (ImportRunStatus.SUCCEEDED, ImportRunStatus.SUCCEEDED_WITH_ERRORS):
            counts = f"{events(self.imported)} imported, {self.skipped} skipped"
            return f"{counts}, {self.failed} failed." if self.failed else f"{counts}."
        if status == ImportRunStatus.FAILED:
            return self.run_reason or "The import did not finish."
        return ""

    async def _customer(self) -> ImportCustomer | None:
        token = self._session_token()
        who = await run_domain(lambda db, settings: import_customer(db, settings, token))
        self.signed_in = who is not None
        self.session_checked = True
        return who

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """On load: whether an import can start, and the run to show (Google's, when it has
        just sent the browser back); then follow that run while it is under way."""
        self.loaded = False
        self.following = False
        self._follow_round += 1
        self._use_handoff = True
        self.handoff_problem = ""
        self.problem = ""
        self.problem_code = ""
        self.starting = False
        params = self.router.url.query_parameters
        result = params.get("googleCalendarImport", "")
        self.callback_result = result if result in CALLBACK_RESULTS else ""
        run_id = params.get("runId", "").strip()
        who = await self._customer()
        if who is None:
            self.reset()
            yield self._to_login()
            return
        yield None
        self._show_readiness(await readiness(who, self._handoff()))
        self._show_run(await run_domain(lambda db, _settings: shown_run(db, who, run_id)))
        self.loaded = True
        if self.run_live:
            yield CalendarImportState.follow

    @rx.event
    async def connect(self) -> AsyncIterator[EventSpec | None]:
        """Open a run and send the browser to Google's consent screen."""
        self.starting = True
        self.problem = ""
        self.problem_code = ""
        yield None
        who = await self._customer()
        if who is None:
            self.starting = False
            yield self._to_login()
            return
        if not who.active:
            self._refuse(EMAIL_NOT_VERIFIED)
            return
        try:
            url = await google_consent_url(who, self._handoff())
        except DomainError as error:
            self._refuse(error.code)
            return
        yield full_page_load(url)

    @rx.event(background=True)
    async def follow(self) -> None:
        """Read the run shown about once a second until it ends (or a while has passed)."""
        async with self:
            if self.following or not self.run_live:
                return
            self.following = True
            self._follow_round += 1
            round_number = self._follow_round
            token = self._session_token()
            run_id = self.run_id
        try:
            who = await run_domain(lambda db, settings: import_customer(db, settings, token))
            if who is not None:
                await self._follow(who, run_id, round_number)
        finally:
            async with self:
                if self._follow_round == round_number:
                    self.following = False

    async def _follow(self, who: ImportCustomer, run_id: str, round_number: int) -> None:
        """Read, show, pause; stop when the run ends or this round is no longer current (the
        page was loaded again)."""
        deadline = time.monotonic() + FOLLOW_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(FOLLOW_PAUSE_SECONDS)
            run = await run_domain(
                lambda db, _settings: run_view(
                    own_run(db, run_id, who.customer_id, who.identity_id)
                )
            )
            async with self:
                if not self.following or self._follow_round != round_number:
                    return
                if run is not None:
                    self._show_run(run)
                if not self.run_live:
                    return


SPEC = PageSpec(
    "/account/calendar-import",
    "Import Google Calendar",
    "Send the events of your Google Calendar to your agent, which reminds you of them in chat.",
    Section.CUSTOMER,
)

HOW_IT_WORKS = (
    "We read your primary Google Calendar once, with read-only access, and send its events to "
    "your agent, which turns them into reminders in your chat. We keep no copy of your "
    "calendar, and forget Google's access as soon as the import ends."
)
CALLBACK_ERROR = "Google Calendar could not be connected. Try again."


def run_badge() -> rx.Component:
    """The run's status as a coloured badge."""
    badges = [
        (status.value, rx.badge(label, color_scheme=color, variant="soft", size="2"))
        for status, (label, color) in RUN_BADGES.items()
    ]
    return rx.match(
        CalendarImportState.run_status,
        *badges,
        rx.badge(CalendarImportState.run_status, variant="soft", size="2"),
    )


def count_detail(label: str, value: Var[int]) -> rx.Component:
    """One count of the run."""
    return detail(label, rx.text(value, weight="medium"))


def run_details() -> rx.Component:
    """The counts, the Google account and when the run ended."""
    return rx.data_list.root(
        count_detail("Imported", CalendarImportState.imported),
        count_detail("Skipped", CalendarImportState.skipped),
        count_detail("Failed", CalendarImportState.failed),
        rx.cond(
            CalendarImportState.account_email != "",
            detail(
                "Google account", rx.text(CalendarImportState.account_email, word_break="break-all")
            ),
            rx.fragment(),
        ),
        rx.cond(
            CalendarImportState.finished_at != "",
            detail("Finished", CalendarImportState.finished_at),
            rx.fragment(),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def latest_import() -> rx.Component:
    """The run shown: its status, what it did or why it failed, and its counts."""
    return section_card(
        "Latest import",
        rx.flex(
            rx.text("Status", weight="medium"),
            run_badge(),
            rx.cond(CalendarImportState.following, rx.spinner(size="2"), rx.fragment()),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.flex(
            rx.heading(CalendarImportState.run_headline, as_="h3", size="3"),
            rx.text(CalendarImportState.run_summary, size="3"),
            rx.cond(
                (CalendarImportState.run_status == ImportRunStatus.SUCCEEDED_WITH_ERRORS.value)
                & (CalendarImportState.run_reason != ""),
                rx.text(CalendarImportState.run_reason, size="2", color_scheme="amber"),
                rx.fragment(),
            ),
            direction="column",
            spacing="1",
            role="status",
            aria_live="polite",
        ),
        rx.cond(CalendarImportState.run_finished, run_details(), rx.fragment()),
    )


def connect_button() -> rx.Component:
    """Opens a run and goes to Google; "Import again" once a run has ended."""
    return rx.button(
        rx.icon("calendar-plus", size=16),
        rx.cond(CalendarImportState.run_finished, "Import again", "Connect Google Calendar"),
        on_click=CalendarImportState.connect,
        loading=CalendarImportState.starting,
        size="3",
        cursor="pointer",
    )


def account_links() -> rx.Component:
    """The ways on `/account` to renew access or verify the email, when they help."""
    return rx.flex(
        rx.cond(
            CalendarImportState.renew_offered,
            button_link("Renew access", "/account"),
            rx.fragment(),
        ),
        rx.cond(
            CalendarImportState.verify_offered,
            button_link("Verify your email", "/account", variant="soft"),
            rx.fragment(),
        ),
        spacing="3",
        wrap="wrap",
    )


def import_card() -> rx.Component:
    """What the import does, and the button, or why it cannot start."""
    return section_card(
        "Your Google Calendar",
        rx.text(HOW_IT_WORKS, size="3", color_scheme="gray"),
        rx.cond(
            CalendarImportState.blocked_text != "",
            rx.callout(
                CalendarImportState.blocked_text,
                icon="triangle-alert",
                color_scheme="amber",
                role="alert",
                variant="surface",
            ),
            rx.fragment(),
        ),
        answer(CalendarImportState.problem, "error"),
        account_links(),
        rx.cond(
            CalendarImportState.can_connect,
            rx.flex(connect_button(), wrap="wrap"),
            rx.fragment(),
        ),
    )


def notices() -> rx.Component:
    """What became of the link from chat, and a callback with no run to show."""
    return rx.fragment(
        rx.cond(
            CalendarImportState.handoff_note != "",
            rx.callout(
                CalendarImportState.handoff_note, icon="info", color_scheme="gray", role="status"
            ),
            rx.fragment(),
        ),
        rx.cond(
            (CalendarImportState.callback_result == "error")
            & (CalendarImportState.run_status == ""),
            message_callout(CALLBACK_ERROR, "error"),
            rx.fragment(),
        ),
    )


def calendar_import_content() -> rx.Component:
    """Everything the page shows once loaded."""
    return rx.flex(
        notices(),
        import_card(),
        rx.cond(CalendarImportState.run_status != "", latest_import(), rx.fragment()),
        direction="column",
        spacing="5",
    )


def calendar_import_page() -> rx.Component:
    """The import, once loaded."""
    return loaded_page(
        SPEC,
        CalendarImportState.loaded,
        calendar_import_content(),
        "Checking whether your calendar can be imported…",
    )


PAGE = SitePage(SPEC, calendar_import_page, on_load=(CalendarImportState.load,))
