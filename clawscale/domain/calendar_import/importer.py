"""One import from the person's click to its outcome, across Google and the runtime.

`preflight_import` says whether an import can start (access, the runtime's preflight).
`start_import` checks the same, opens a run (consuming the hand-off it came from) and returns
Google's consent URL. Google sends the person back to `complete_authorization`, which moves the
run to `importing` once (a replayed or forged `state` changes nothing), exchanges the code and
keeps the tokens encrypted on the run. `import_run` then reads the calendar and posts it to the
runtime, and ends the run with the runtime's counts or a reason. Database steps run in worker
threads, each in its own transaction; HTTP calls wait on the event loop in between, so nothing
is held open across them.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.db import session_scope
from clawscale.domain.billing.access import access_decision
from clawscale.domain.calendar_import import oauth
from clawscale.domain.calendar_import.google_calendar import read_primary_calendar
from clawscale.domain.calendar_import.handoffs import claimed_handoff, consume_handoff
from clawscale.domain.calendar_import.oauth import GoogleRefused, StateClaims
from clawscale.domain.calendar_import.runs import (
    RunOutcome,
    begin_import,
    failure,
    finish_run,
    keep_tokens,
    latest_run,
    start_run,
)
from clawscale.domain.errors import Conflict, Forbidden, Unavailable
from clawscale.domain.runtime.calendar import (
    CalendarBridge,
    Preflight,
    RuntimeCalendarError,
    calendar_bridge,
    preflight,
    send_events,
)
from clawscale.models import CalendarImportRun, Customer, ImportRunStatus, ImportTrigger
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
COMPLETE = "complete"
ERROR = "error"


@dataclass(frozen=True)
class Importer:
    """A customer asking to import, as their session names them, and the hand-off if any."""

    customer_id: str
    identity_id: str
    handoff_token: str | None = None


@dataclass(frozen=True)
class PreflightAnswer:
    """Whether the page may offer "Connect Google Calendar", and the latest run."""

    ready: bool
    blocked_reason: str | None
    latest_run: CalendarImportRun | None


@dataclass(frozen=True)
class StartedImport:
    """A new run and Google's consent URL for it."""

    run_id: str
    url: str


@dataclass(frozen=True)
class Authorization:
    """Where Google's callback leaves the person, and whether a run is now to import."""

    run_id: str | None
    summary: str
    import_next: bool = False


@dataclass(frozen=True)
class _Context:
    bridge: CalendarBridge | None
    access_denied: str | None
    handoff_keys: tuple[str | None, str | None]
    latest_run: CalendarImportRun | None


async def _in_transaction(engine: Engine, work: Callable[[Session], Result]) -> Result:
    def run() -> Result:
        with session_scope(engine) as db:
            return work(db)

    return await asyncio.to_thread(run)


def _context(db: Session, settings: Settings, who: Importer) -> _Context:
    keys: tuple[str | None, str | None] = (None, None)
    if who.handoff_token:
        handoff = claimed_handoff(db, who.handoff_token, who.customer_id, who.identity_id)
        keys = (handoff.business_conversation_key, handoff.gateway_conversation_id)
    customer = db.get(Customer, who.customer_id)
    assert customer is not None
    decision = access_decision(db, settings, customer, shared_channel=False)
    return _Context(
        bridge=calendar_bridge(db, settings, who.customer_id),
        access_denied=None if decision.allowed else str(decision.reason),
        handoff_keys=keys,
        latest_run=latest_run(db, who.customer_id, who.identity_id),
    )


async def _runtime_preflight(
    client: httpx.AsyncClient, context: _Context, who: Importer
) -> Preflight:
    if context.bridge is None:
        raise Unavailable("runtime_unavailable", "No agent runtime serves this account yet.")
    business_key, conversation_id = context.handoff_keys
    try:
        return await preflight(
            client, context.bridge, who.customer_id, who.identity_id, business_key, conversation_id
        )
    except RuntimeCalendarError as error:
        raise Unavailable(error.code, "The agent could not be reached.") from None


async def preflight_import(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, who: Importer
) -> PreflightAnswer:
    """Whether an import can start now (503 with the runtime's code when it cannot answer)."""
    context = await _in_transaction(engine, lambda db: _context(db, settings, who))
    if context.access_denied is not None:
        return PreflightAnswer(False, context.access_denied, context.latest_run)
    if not oauth.configured(settings):
        return PreflightAnswer(False, "google_calendar_not_configured", context.latest_run)
    checked = await _runtime_preflight(client, context, who)
    return PreflightAnswer(checked.target is not None, checked.blocked_reason, context.latest_run)


def _open_run(
    db: Session, settings: Settings, who: Importer, checked: Preflight, verifier: str
) -> CalendarImportRun:
    assert checked.target is not None
    trigger = ImportTrigger.WHATSAPP_HANDOFF if who.handoff_token else ImportTrigger.MANUAL_WEB
    secret = encrypt_text(settings.CLAWSCALE_SECRET_KEY, verifier)
    run = start_run(db, who.customer_id, who.identity_id, checked.target, trigger, secret)
    if who.handoff_token:
        handoff = claimed_handoff(
            db, who.handoff_token, who.customer_id, who.identity_id, lock=True
        )
        consume_handoff(db, handoff, checked.target.conversation_id, checked.target.character_id)
    return run


async def start_import(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, who: Importer
) -> StartedImport:
    """Open a run and return Google's consent URL: 403 with the access reason, 409 with the
    runtime's blocked reason or `import_in_progress`, 503 when Google or the runtime is not
    available."""
    context = await _in_transaction(engine, lambda db: _context(db, settings, who))
    if context.access_denied is not None:
        raise Forbidden(context.access_denied, "Your account cannot use the agent right now.")
    if not oauth.configured(settings):
        raise Unavailable("google_calendar_not_configured", "Google Calendar is not set up.")
    checked = await _runtime_preflight(client, context, who)
    if checked.target is None:
        raise Conflict(checked.blocked_reason or "conversation_required")
    verifier = oauth.new_code_verifier()
    run = await _in_transaction(engine, lambda db: _open_run(db, settings, who, checked, verifier))
    state = oauth.sign_state(settings, StateClaims(run.id, who.customer_id, who.identity_id))
    return StartedImport(run.id, oauth.consent_url(settings, state, verifier))


def _fail(engine: Engine, run_id: str, error: str) -> Authorization:
    with session_scope(engine) as db:
        finish_run(db, run_id, failure(error))
    return Authorization(run_id, ERROR)


def _replayed(run: CalendarImportRun) -> Authorization:
    """A callback for a run already past authorizing: show it as it is."""
    summary = ERROR if run.status == ImportRunStatus.FAILED else COMPLETE
    return Authorization(run.id, summary)


async def complete_authorization(
    engine: Engine,
    settings: Settings,
    state: str,
    code: str,
    provider_error: str,
) -> Authorization:
    """Google's callback: the run moves to `importing` once and keeps Google's tokens."""
    try:
        claims = oauth.verify_state(settings, state)
    except GoogleRefused:
        return Authorization(None, ERROR)
    won, run = await _in_transaction(engine, lambda db: begin_import(db, claims.run_id))
    if run is None or (run.customer_id, run.identity_id) != (
        claims.customer_id,
        claims.identity_id,
    ):
        return Authorization(None, ERROR)
    if not won:
        return _replayed(run)
    if provider_error or not code:
        error = provider_error or "missing_google_calendar_code"
        return await asyncio.to_thread(_fail, engine, run.id, error)
    verifier = decrypt_text(settings.CLAWSCALE_SECRET_KEY, run.code_verifier_encrypted or "")
    try:
        token = await oauth.exchange_code(settings, code, verifier or "")
    except GoogleRefused as refused:
        return await asyncio.to_thread(_fail, engine, run.id, refused.code)
    sealed = encrypt_text(settings.CLAWSCALE_SECRET_KEY, json.dumps(token))
    await _in_transaction(engine, lambda db: keep_tokens(db, run.id, sealed))
    return Authorization(run.id, COMPLETE, import_next=True)


def _import_inputs(
    db: Session, settings: Settings, run_id: str
) -> tuple[CalendarImportRun, CalendarBridge | None] | None:
    run = db.get(CalendarImportRun, run_id)
    if run is None or run.status != ImportRunStatus.IMPORTING or not run.tokens_encrypted:
        return None
    return run, calendar_bridge(db, settings, run.customer_id)


def _first_warning(warnings: list[dict[str, object]]) -> str | None:
    """The seed's summary of warnings: the first one's reason, else a generic code."""
    for warning in warnings:
        reason = warning.get("reason")
        if isinstance(reason, str) and reason.strip():
            return reason
    return "google_calendar_import_warnings" if warnings else None


def _access_token(settings: Settings, run: CalendarImportRun) -> str:
    sealed = decrypt_text(settings.CLAWSCALE_SECRET_KEY, run.tokens_encrypted or "")
    return str(json.loads(sealed or "{}").get("access_token", ""))


async def _imported(
    client: httpx.AsyncClient, settings: Settings, run: CalendarImportRun, bridge: CalendarBridge
) -> RunOutcome:
    calendar = await read_primary_calendar(client, settings, _access_token(settings, run))
    counts = await send_events(client, bridge, run, calendar)
    summary = counts.error_summary or _first_warning(counts.warnings)
    with_errors = bool(counts.failed or summary)
    return RunOutcome(
        ImportRunStatus.SUCCEEDED_WITH_ERRORS if with_errors else ImportRunStatus.SUCCEEDED,
        imported=counts.imported,
        skipped=counts.skipped,
        failed=counts.failed,
        error_summary=summary,
        provider_account_email=calendar.account_email,
    )


async def import_run(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, run_id: str
) -> None:
    """Read the run's calendar, post it to the runtime, and end the run with the outcome."""
    inputs = await _in_transaction(engine, lambda db: _import_inputs(db, settings, run_id))
    if inputs is None:
        return
    run, bridge = inputs
    try:
        if bridge is None:
            raise RuntimeCalendarError("runtime_unavailable")
        outcome = await _imported(client, settings, run, bridge)
    except (GoogleRefused, RuntimeCalendarError) as error:
        outcome = failure(error.code)
    except Exception:
        logger.exception("calendar import run %s failed", run_id)
        outcome = failure("google_calendar_import_failed")
    await _in_transaction(engine, lambda db: finish_run(db, run_id, outcome))
