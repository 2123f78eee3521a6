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
from clawscale.components.translated import chosen, local_number, local_time, t, tn
from clawscale.db import get_engine
from clawscale.domain.calendar_import.importer import Importer, preflight_import, start_import
from clawscale.domain.calendar_import.runs import latest_run, own_run
from clawscale.domain.errors import DomainError
from clawscale.i18n.catalogs import N_
from clawscale.models import CalendarImportRun, ClaimStatus, ImportRunStatus
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
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
    CONVERSATION_REQUIRED: N_(
        "Message the agent in chat first, then come back here: your calendar is imported "
        "into your conversation with it."
    ),
    "google_calendar_not_configured": N_(
        "Google Calendar import is not set up on this gateway yet. Try again later."
    ),
    "account_suspended": N_("This account is suspended, so it cannot import a calendar."),
    SUBSCRIPTION_REQUIRED: N_("Your access has lapsed. Renew it to import your calendar."),
    EMAIL_NOT_VERIFIED: N_("Verify your email address before importing your calendar."),
    "runtime_unavailable": N_(
        "No agent serves your account yet, so there is nowhere to import your calendar to. "
        "Try again later."
    ),
    "import_in_progress": N_("An import is already running. Wait for it to finish."),
    "claim_inactive": N_("Verify your email address before importing your calendar."),
}
AGENT_UNREACHABLE = N_("Your agent could not be reached. Try again in a minute.")
CANNOT_IMPORT = N_("Your calendar cannot be imported right now ({code}).")
LINK_UNUSABLE = N_("The link from chat can no longer be used. Connect again to import.")
HANDOFF_NOTES: dict[str, str] = {
    "expired_handoff": N_(
        "The link from chat has expired, so the import goes to your latest conversation with "
        "the agent."
    ),
    "handoff_already_consumed": N_(
        "The link from chat has already been used, so the import goes to your latest "
        "conversation with the agent."
    ),
    "invalid_handoff": N_(
        "The link from chat is not valid for this account, so the import goes to your latest "
        "conversation with the agent."
    ),
}
RUN_REASONS: dict[str, str] = {
    "access_denied": N_("You declined access at Google."),
    "invalid_grant": N_("Google's sign-in expired before the import could start. Try again."),
    "import_in_progress": N_("Another import was already running."),
    "superseded": N_("A newer import was started before this one was connected."),
    "import_interrupted": N_("The import was interrupted before it finished. Try again."),
    "runtime_unavailable": N_("No agent serves your account, so the events had nowhere to go."),
    CONVERSATION_REQUIRED: N_(
        "Your agent had no conversation with you to import into. Message it in chat first."
    ),
    "missing_google_calendar_code": N_("Google sent you back without access to your calendar."),
    "google_calendar_token_exchange_failed": N_("Google did not finish the sign-in. Try again."),
    "google_calendar_api_unreachable": N_("Google Calendar could not be reached. Try again."),
    "insufficientPermissions": N_("Google did not give access to your calendar."),
    "google_calendar_import_failed": N_("Something went wrong during the import. Try again."),
    "duplicate_existing_reminder": N_("Events imported before were skipped."),
    "unsupported_recurring_exceptions": N_(
        "Repeating events with changed occurrences were skipped."
    ),
    "google_calendar_import_warnings": N_("Some events could not be imported as they are."),
}
AGENT_UNREACHABLE_DURING_IMPORT = N_(
    "Your agent could not be reached during the import. Try again."
)
UNKNOWN_REASON = N_("Reason: {code}.")
WORDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *BLOCKED_REASONS.values(),
            *RUN_REASONS.values(),
            AGENT_UNREACHABLE,
            CANNOT_IMPORT,
            LINK_UNUSABLE,
            AGENT_UNREACHABLE_DURING_IMPORT,
            UNKNOWN_REASON,
        )
    )
)
"""Every message id `blocked_words` and `reason_words` give, and a refusal may show."""
RUN_HEADLINES: dict[str, str] = {
    ImportRunStatus.AUTHORIZING: N_("Waiting for Google"),
    ImportRunStatus.IMPORTING: N_("Importing…"),
    ImportRunStatus.SUCCEEDED: N_("Import complete"),
    ImportRunStatus.SUCCEEDED_WITH_ERRORS: N_("Import complete, with warnings"),
    ImportRunStatus.FAILED: N_("Import failed"),
}
RUN_BADGES: dict[str, tuple[str, str]] = {
    ImportRunStatus.AUTHORIZING: (N_("Waiting for Google"), "amber"),
    ImportRunStatus.IMPORTING: (N_("Importing"), "blue"),
    ImportRunStatus.SUCCEEDED: (N_("Succeeded"), "green"),
    ImportRunStatus.SUCCEEDED_WITH_ERRORS: (N_("Succeeded with warnings"), "amber"),
    ImportRunStatus.FAILED: (N_("Failed"), "red"),
}


def blocked_words(code: str) -> str:
    """Why an import cannot start, for a person (a message id of `WORDS`; `CANNOT_IMPORT`,
    naming the code, when it is not known)."""
    if code in BLOCKED_REASONS:
        return BLOCKED_REASONS[code]
    if code in RUN_REASONS:
        return RUN_REASONS[code]
    if code.startswith(RUNTIME_CODE_PREFIX):
        return AGENT_UNREACHABLE
    return CANNOT_IMPORT


def reason_words(code: str) -> str:
    """Why a run failed or warned, for a person (a message id of `WORDS`; `UNKNOWN_REASON`,
    naming the code, when it is not known)."""
    if code in RUN_REASONS:
        return RUN_REASONS[code]
    if code.startswith(RUNTIME_CODE_PREFIX + "run_"):
        return AGENT_UNREACHABLE_DURING_IMPORT
    return UNKNOWN_REASON


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
    """Why the run shown failed or warned: a message id of `WORDS`, or ""."""
    run_reason_code: str = ""
    account_email: str = ""
    finished_at: str = ""
    """When the run shown ended, ISO 8601 in UTC; "" while it runs."""
    problem: str = ""
    """Why connecting was refused: a message id of `WORDS`, or ""."""
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
        self.run_reason_code = run.error_summary if run else ""
        self.run_reason = reason_words(self.run_reason_code) if self.run_reason_code else ""
        self.account_email = run.account_email if run else ""
        finished = run.finished_at if run else None
        self.finished_at = finished.isoformat() if finished else ""

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
            self.problem = LINK_UNUSABLE
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
        """Why an import cannot start, a message id of `WORDS` ("" when it can)."""
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
        """What became of the link from chat when it could not be used, a message id of
        `HANDOFF_NOTES` ("" when it was used)."""
        return HANDOFF_NOTES.get(self.handoff_problem, "")

    @rx.var
    def run_headline(self) -> str:
        """The run shown in a few words, a message id of `RUN_HEADLINES` (else its status)."""
        return RUN_HEADLINES.get(self.run_status, self.run_status)

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
    N_("Import Google Calendar"),
    N_("Send the events of your Google Calendar to your agent, which reminds you of them in chat."),
    Section.CUSTOMER,
)

HOW_IT_WORKS = N_(
    "We read your primary Google Calendar once, with read-only access, and send its events to "
    "your agent, which turns them into reminders in your chat. We keep no copy of your "
    "calendar, and forget Google's access as soon as the import ends."
)
CALLBACK_ERROR = N_("Google Calendar could not be connected. Try again.")


def in_words(message: Var[str], code: Var[str]) -> Var[str]:
    """A message id of `WORDS` in the page's language; the `{code}` of a message about an
    unknown code filled with that code."""
    return chosen(message, WORDS).replace("{code}", code)


def run_badge() -> rx.Component:
    """The run's status as a coloured badge."""
    badges = [
        (status.value, rx.badge(t(label), color_scheme=color, variant="soft", size="2"))
        for status, (label, color) in RUN_BADGES.items()
    ]
    return rx.match(
        CalendarImportState.run_status,
        *badges,
        rx.badge(CalendarImportState.run_status, variant="soft", size="2"),
    )


def counts() -> Var[str]:
    """What a finished run did: the events imported and skipped, and failed when any did."""
    state = CalendarImportState
    skipped = local_number(state.skipped)
    return rx.cond(
        state.failed > 0,
        tn(
            "{count} event imported, {skipped} skipped, {failed} failed.",
            "{count} events imported, {skipped} skipped, {failed} failed.",
            state.imported,
            skipped=skipped,
            failed=local_number(state.failed),
        ),
        tn(
            "{count} event imported, {skipped} skipped.",
            "{count} events imported, {skipped} skipped.",
            state.imported,
            skipped=skipped,
        ),
    ).to(str)


def run_summary() -> Var[str]:
    """What the run shown did, or is doing."""
    state = CalendarImportState
    reason = in_words(state.run_reason, state.run_reason_code)
    return rx.match(
        state.run_status,
        (
            ImportRunStatus.AUTHORIZING.value,
            t("Finish connecting your calendar in Google's window. This page updates by itself."),
        ),
        (
            ImportRunStatus.IMPORTING.value,
            t("Your events are on their way to your agent. This page updates by itself."),
        ),
        (ImportRunStatus.SUCCEEDED.value, ImportRunStatus.SUCCEEDED_WITH_ERRORS.value, counts()),
        (
            ImportRunStatus.FAILED.value,
            rx.cond(state.run_reason != "", reason, t("The import did not finish.")),
        ),
        "",
    ).to(str)


def count_detail(label: Var[str], value: Var[int]) -> rx.Component:
    """One count of the run."""
    return detail(label, rx.text(local_number(value), weight="medium"))


def run_details() -> rx.Component:
    """The counts, the Google account and when the run ended."""
    return rx.data_list.root(
        count_detail(t("Imported"), CalendarImportState.imported),
        count_detail(t("Skipped"), CalendarImportState.skipped),
        count_detail(t("Failed"), CalendarImportState.failed),
        rx.cond(
            CalendarImportState.account_email != "",
            detail(
                t("Google account"),
                rx.text(CalendarImportState.account_email, word_break="break-all"),
            ),
            rx.fragment(),
        ),
        rx.cond(
            CalendarImportState.finished_at != "",
            detail(t("Finished"), local_time(CalendarImportState.finished_at)),
            rx.fragment(),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def latest_import() -> rx.Component:
    """The run shown: its status, what it did or why it failed, and its counts."""
    state = CalendarImportState
    return section_card(
        t("Latest import"),
        rx.flex(
            rx.text(t("Status"), weight="medium"),
            run_badge(),
            rx.cond(state.following, rx.spinner(size="2"), rx.fragment()),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.flex(
            rx.heading(chosen(state.run_headline, RUN_HEADLINES.values()), as_="h3", size="3"),
            rx.text(run_summary(), size="3"),
            rx.cond(
                (state.run_status == ImportRunStatus.SUCCEEDED_WITH_ERRORS.value)
                & (state.run_reason != ""),
                rx.text(
                    in_words(state.run_reason, state.run_reason_code),
                    size="2",
                    color_scheme="amber",
                ),
                rx.fragment(),
            ),
            direction="column",
            spacing="1",
            role="status",
            aria_live="polite",
        ),
        rx.cond(state.run_finished, run_details(), rx.fragment()),
    )


def connect_button() -> rx.Component:
    """Opens a run and goes to Google; "Import again" once a run has ended."""
    return rx.button(
        rx.icon("calendar-plus", size=16),
        rx.cond(CalendarImportState.run_finished, t("Import again"), t("Connect Google Calendar")),
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
            button_link(t("Renew access"), "/account"),
            rx.fragment(),
        ),
        rx.cond(
            CalendarImportState.verify_offered,
            button_link(t("Verify your email"), "/account", variant="soft"),
            rx.fragment(),
        ),
        spacing="3",
        wrap="wrap",
    )


def import_card() -> rx.Component:
    """What the import does, and the button, or why it cannot start."""
    state = CalendarImportState
    return section_card(
        t("Your Google Calendar"),
        rx.text(t(HOW_IT_WORKS), size="3", color_scheme="gray"),
        rx.cond(
            state.blocked_text != "",
            rx.callout(
                in_words(state.blocked_text, state.blocked_reason),
                icon="triangle-alert",
                color_scheme="amber",
                role="alert",
                variant="surface",
            ),
            rx.fragment(),
        ),
        answer(in_words(state.problem, state.problem_code), "error"),
        account_links(),
        rx.cond(state.can_connect, rx.flex(connect_button(), wrap="wrap"), rx.fragment()),
    )


def notices() -> rx.Component:
    """What became of the link from chat, and a callback with no run to show."""
    return rx.fragment(
        rx.cond(
            CalendarImportState.handoff_note != "",
            rx.callout(
                chosen(CalendarImportState.handoff_note, HANDOFF_NOTES.values()),
                icon="info",
                color_scheme="gray",
                role="status",
            ),
            rx.fragment(),
        ),
        rx.cond(
            (CalendarImportState.callback_result == "error")
            & (CalendarImportState.run_status == ""),
            message_callout(t(CALLBACK_ERROR), "error"),
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
        t("Checking whether your calendar can be imported…"),
    )


PAGE = SitePage(SPEC, calendar_import_page, on_load=(CalendarImportState.load,))
