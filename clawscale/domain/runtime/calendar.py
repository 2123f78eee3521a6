"""The runtime's side of a Google Calendar import: its preflight and its import call.

Both go to the customer's agent (its binding's, else the default agent), on the bridge the
agent's message endpoint belongs to: Coke serves them beside `/bridge/inbound` at
`/bridge/internal/google-calendar-import/{preflight,run}`, with the same bearer key. Bodies and
answers are the seed's (`google-calendar-runtime-client.ts`): the answer's fields are read in
camelCase or snake_case; a failure becomes `RuntimeCalendarError` with the runtime's own error
code (`conversation_required`, ...) or the seed's `..._transport_failed` /
`..._invalid_response` codes.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlmodel import Session

from clawscale.channels.base import SendError
from clawscale.domain.calendar_import.google_calendar import PrimaryCalendar
from clawscale.domain.calendar_import.runs import ImportTarget
from clawscale.domain.runtime.agents import agent_token, binding_of, default_agent
from clawscale.domain.runtime.client import RUNTIME, RuntimeTimedOut, call_runtime
from clawscale.domain.runtime.forwarding import RuntimeCall
from clawscale.models import Agent, CalendarImportRun
from clawscale.settings import Settings

INBOUND_SUFFIX = "/bridge/inbound"
PREFLIGHT_PATH = "/bridge/internal/google-calendar-import/preflight"
RUN_PATH = "/bridge/internal/google-calendar-import/run"
IMPORT_TIMEOUT_SECONDS = 120.0


class RuntimeCalendarError(Exception):
    """The runtime could not answer: `code` says why (a snake_case code, safe to show)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CalendarBridge:
    """Where the customer's runtime takes calendar calls, and its key."""

    base_url: str
    token: str


@dataclass(frozen=True)
class Preflight:
    """Whether the runtime can take an import now: its target, or why not."""

    target: ImportTarget | None
    blocked_reason: str | None = None


@dataclass(frozen=True)
class ImportCounts:
    """What the runtime made of the events."""

    imported: int
    skipped: int
    failed: int
    warnings: list[dict[str, Any]]
    error_summary: str | None


def bridge_base(endpoint: str) -> str:
    """The bridge an agent's message endpoint belongs to (its path before `/bridge/inbound`,
    else the endpoint's origin)."""
    trimmed = endpoint.rstrip("/")
    if trimmed.endswith(INBOUND_SUFFIX):
        return trimmed[: -len(INBOUND_SUFFIX)]
    parts = urlsplit(trimmed)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def calendar_bridge(db: Session, settings: Settings, customer_id: str) -> CalendarBridge | None:
    """The customer's runtime (their binding's agent, else the default agent), if any."""
    binding = binding_of(db, customer_id)
    agent = db.get(Agent, binding.agent_id) if binding is not None else default_agent(db)
    if agent is None:
        return None
    return CalendarBridge(bridge_base(agent.endpoint), agent_token(settings, agent))


def _text(data: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _count(data: dict[str, Any], *names: str) -> int:
    for name in names:
        value = data.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return 0


def _failure_code(error: SendError, stage: str) -> str:
    """The runtime's own error code when it gave one, else the seed's code for the failure."""
    message = str(error)
    if " (HTTP " in message:
        return message.split(" (HTTP ", 1)[0]
    if isinstance(error, RuntimeTimedOut) or message.startswith(f"{RUNTIME} unreachable"):
        return f"google_calendar_import_{stage}_transport_failed"
    return f"google_calendar_import_{stage}_failed"


async def _post(
    client: httpx.AsyncClient,
    bridge: CalendarBridge,
    path: str,
    body: dict[str, object],
    stage: str,
    timeout: float | None = None,
) -> dict[str, Any]:
    """The runtime's `data` for a call that answered `{"ok": true}`."""
    call = RuntimeCall(bridge.base_url + path, bridge.token, body, timeout)
    try:
        answer = await call_runtime(client, call)
    except SendError as error:
        raise RuntimeCalendarError(_failure_code(error, stage)) from None
    if not isinstance(answer, dict):
        raise RuntimeCalendarError(f"google_calendar_import_{stage}_invalid_response")
    if answer.get("ok") is not True:
        code = answer.get("error")
        raise RuntimeCalendarError(
            code if isinstance(code, str) and code else f"google_calendar_import_{stage}_failed"
        )
    data = answer.get("data")
    return data if isinstance(data, dict) else {}


async def preflight(
    client: httpx.AsyncClient,
    bridge: CalendarBridge,
    customer_id: str,
    identity_id: str,
    business_conversation_key: str | None = None,
    gateway_conversation_id: str | None = None,
) -> Preflight:
    """Ask the runtime where an import would go."""
    body: dict[str, object] = {"customer_id": customer_id, "identity_id": identity_id}
    if business_conversation_key:
        body["business_conversation_key"] = business_conversation_key
    if gateway_conversation_id:
        body["gateway_conversation_id"] = gateway_conversation_id
    data = await _post(client, bridge, PREFLIGHT_PATH, body, "preflight")
    conversation = _text(data, "conversationId", "conversation_id")
    user = _text(data, "userId", "user_id")
    character = _text(data, "characterId", "character_id")
    timezone = _text(data, "timezone")
    if conversation and user and character and timezone:
        return Preflight(ImportTarget(conversation, character, timezone))
    reason = _text(data, "blockedReason", "blocked_reason") or "conversation_required"
    return Preflight(None, reason)


async def send_events(
    client: httpx.AsyncClient,
    bridge: CalendarBridge,
    run: CalendarImportRun,
    calendar: PrimaryCalendar,
) -> ImportCounts:
    """Post the calendar's events to the runtime for the run; what it imported."""
    body: dict[str, object] = {
        "customer_id": run.customer_id,
        "identity_id": run.identity_id,
        "run_id": run.id,
        "provider_account_email": calendar.account_email,
        "target_conversation_id": run.target_conversation_id,
        "target_character_id": run.target_character_id,
        "target_timezone": run.target_timezone,
        "calendar_defaults": calendar.defaults,
        "events": calendar.events,
    }
    data = await _post(client, bridge, RUN_PATH, body, "run", IMPORT_TIMEOUT_SECONDS)
    warnings = [item for item in data.get("warnings") or [] if isinstance(item, dict)]
    return ImportCounts(
        imported=_count(data, "importedCount", "imported_count"),
        skipped=_count(data, "skippedCount", "skipped_count"),
        failed=_count(data, "failedCount", "failed_count"),
        warnings=warnings,
        error_summary=_text(data, "errorSummary", "error_summary"),
    )
