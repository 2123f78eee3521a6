"""Google Calendar import: the runtime's hand-off call and the customer's import routes.

Paths, fields, statuses and codes are the seed's:
- `POST /api/internal/calendar-import-handoffs` (identity API key): a hand-off link for the
  runtime's conversation, `{url, expires_at}`.
- `POST /api/customer/calendar-import-handoffs/claim` (signed-in customer): take the hand-off;
  `invalid_handoff` 404, `expired_handoff` / `handoff_already_consumed` /
  `identity_already_bound` 409, `account_not_active` 403.
- `GET /api/customer/google-calendar-import/preflight`, `POST .../start`, `GET .../status`
  (signed-in, active customer, else 403 `claim_inactive`): answers in the seed's camelCase.
- `GET /api/customer/google-calendar-import/callback/google`: Google's redirect; always a 302
  to `/account/calendar-import?googleCalendarImport=complete|error&runId=...`; the import itself
  runs after the answer.

The import routes hold no database session while they wait on Google or the runtime: the
customer is read in a short transaction of its own, and the domain opens its own.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel
from sqlmodel import Session

from clawscale.api.deps import EngineDep, HttpClientDep, SessionDep, in_transaction
from clawscale.api.envelopes import Ok
from clawscale.api.errors import ApiError
from clawscale.api.security import (
    CurrentCustomer,
    SettingsDep,
    live_session,
    require_api_key,
)
from clawscale.domain.accounts.customers import account_of
from clawscale.domain.calendar_import.handoffs import (
    IMPORT_PAGE_PATH,
    HandoffRequest,
    claim_handoff,
    continue_path,
    create_handoff,
)
from clawscale.domain.calendar_import.importer import (
    Importer,
    complete_authorization,
    import_run,
    preflight_import,
    start_import,
)
from clawscale.domain.calendar_import.runs import latest_run, own_run
from clawscale.domain.errors import DomainError
from clawscale.models import (
    CalendarImportRun,
    ClaimStatus,
    HandoffStatus,
    Identity,
    SessionSubject,
)
from clawscale.settings import Settings
from clawscale.web_links import web_url

internal_router = APIRouter(
    prefix="/api/internal/calendar-import-handoffs",
    dependencies=[Depends(require_api_key("CLAWSCALE_IDENTITY_API_KEY"))],
)
handoff_router = APIRouter(prefix="/api/customer/calendar-import-handoffs")
import_router = APIRouter(prefix="/api/customer/google-calendar-import")

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class HandoffCreate(BaseModel):
    """The runtime's conversation, as the seed's hand-off call names it."""

    source_customer_id: Key
    tenant_id: Key
    channel_id: Key
    end_user_id: Key
    external_id: Key
    gateway_conversation_id: Key
    business_conversation_key: Key


class HandoffCreated(BaseModel):
    """The link to send the person, and when it stops working."""

    url: str
    expires_at: datetime


class HandoffClaim(BaseModel):
    """The hand-off token from the link."""

    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class HandoffClaimed(BaseModel):
    """The hand-off now belongs to the customer; where the page goes next."""

    status: HandoffStatus
    continue_to: str


class CamelModel(BaseModel):
    """Answers in the seed's camelCase."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class RunPublic(CamelModel):
    """A run as the page shows it (no verifier, no token)."""

    id: str
    status: str
    provider_account_email: str | None
    imported_count: int
    skipped_count: int
    failed_count: int
    error_summary: str | None


class PreflightPublic(CamelModel):
    """Whether "Connect Google Calendar" can start, why not, and the latest run."""

    ready: bool
    blocked_reason: str | None = Field(default=None, exclude_if=lambda reason: reason is None)
    latest_run: RunPublic | None


class StartPublic(CamelModel):
    """The run opened and Google's consent URL to send the browser to."""

    run_id: str
    url: str


class StatusPublic(CamelModel):
    """The latest run, and the run asked for by id (null when it is not the caller's)."""

    latest_run: RunPublic | None
    run: RunPublic | None = None


class StartBody(BaseModel):
    """`{"handoff": token}` when the import comes from a chat hand-off."""

    handoff: Annotated[str | None, StringConstraints(max_length=512)] = None


@dataclass(frozen=True)
class _Customer:
    customer_id: str
    identity_id: str


def _signed_in(db: Session, request: Request, settings: Settings) -> _Customer:
    row = live_session(request, db, settings, SessionSubject.CUSTOMER)
    identity = db.get(Identity, row.subject_id)
    if identity is None:
        raise ApiError(401, "unauthorized")
    if identity.claim_status != ClaimStatus.ACTIVE:
        raise ApiError(403, "claim_inactive", "Finish setting up your account first.")
    account = account_of(db, identity)
    return _Customer(account.customer.id, identity.id)


async def importing_customer(
    request: Request, engine: EngineDep, settings: SettingsDep
) -> _Customer:
    """The signed-in, active customer, read in a transaction of its own."""
    return await in_transaction(engine, lambda db: _signed_in(db, request, settings))


ImportingCustomer = Annotated[_Customer, Depends(importing_customer)]


def _run(run: CalendarImportRun | None) -> RunPublic | None:
    return RunPublic.model_validate(run) if run is not None else None


@internal_router.post("")
def create(body: HandoffCreate, db: SessionDep, settings: SettingsDep) -> Ok[HandoffCreated]:
    """A signed, expiring, single-use link to the import page for the runtime's person."""
    link = create_handoff(db, settings, HandoffRequest(**body.model_dump()))
    return Ok(data=HandoffCreated(url=link.url, expires_at=link.expires_at))


@handoff_router.post("/claim")
def claim(body: HandoffClaim, db: SessionDep, principal: CurrentCustomer) -> Ok[HandoffClaimed]:
    """The signed-in customer takes the hand-off (and the chat identity) as theirs."""
    account = principal.account
    handoff = claim_handoff(db, body.token, account.customer.id, account.identity.id)
    return Ok(data=HandoffClaimed(status=handoff.status, continue_to=continue_path(body.token)))


@import_router.get("/preflight")
async def import_preflight(
    who: ImportingCustomer,
    engine: EngineDep,
    settings: SettingsDep,
    client: HttpClientDep,
    handoff: Annotated[str | None, Query(max_length=512)] = None,
) -> Ok[PreflightPublic]:
    """Whether an import can start (503 with the runtime's code when it cannot answer)."""
    importer = Importer(who.customer_id, who.identity_id, (handoff or "").strip() or None)
    answer = await preflight_import(engine, settings, client, importer)
    return Ok(
        data=PreflightPublic(
            ready=answer.ready,
            blocked_reason=None if answer.ready else answer.blocked_reason,
            latest_run=_run(answer.latest_run),
        )
    )


@import_router.post("/start")
async def import_start(
    who: ImportingCustomer,
    engine: EngineDep,
    settings: SettingsDep,
    client: HttpClientDep,
    body: StartBody | None = None,
) -> Ok[StartPublic]:
    """Open a run; the browser then goes to Google's consent screen at `url`."""
    token = ((body.handoff if body else None) or "").strip() or None
    started = await start_import(
        engine, settings, client, Importer(who.customer_id, who.identity_id, token)
    )
    return Ok(data=StartPublic(run_id=started.run_id, url=started.url))


def _status(db: Session, who: _Customer, run_id: str | None) -> StatusPublic:
    latest = _run(latest_run(db, who.customer_id, who.identity_id))
    if run_id is None:
        return StatusPublic(latest_run=latest)
    asked = _run(own_run(db, run_id, who.customer_id, who.identity_id))
    return StatusPublic(latest_run=latest, run=asked)


@import_router.get("/status", response_model_exclude_unset=True)
async def import_status(
    who: ImportingCustomer,
    engine: EngineDep,
    run_id: Annotated[str | None, Query(alias="runId", max_length=64)] = None,
) -> Ok[StatusPublic]:
    """The latest run, and with `runId` that run too (null when it is not the caller's)."""
    asked = (run_id or "").strip() or None
    status = await in_transaction(engine, lambda db: _status(db, who, asked))
    return Ok(ok=True, data=status)


@import_router.get("/callback/google", response_class=RedirectResponse, status_code=302)
async def google_callback(
    engine: EngineDep,
    settings: SettingsDep,
    client: HttpClientDep,
    tasks: BackgroundTasks,
    state: Annotated[str, Query(max_length=4096)] = "",
    code: Annotated[str, Query(max_length=4096)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> RedirectResponse:
    """Google's redirect: take the authorization, answer at once, import after the answer."""
    try:
        done = await complete_authorization(
            engine, settings, state.strip(), code.strip(), error.strip()
        )
    except DomainError:
        done = None
    if done is not None and done.import_next and done.run_id:
        tasks.add_task(import_run, engine, settings, client, done.run_id)
    params = {"googleCalendarImport": done.summary if done else "error"}
    if done is not None and done.run_id:
        params["runId"] = done.run_id
    return RedirectResponse(web_url(settings, IMPORT_PAGE_PATH, **params), status_code=302)
