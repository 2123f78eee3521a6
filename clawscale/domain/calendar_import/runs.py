"""Calendar import runs: starting one, its moves from state to state, and reading them back.

A run starts `authorizing` (the person is at Google's consent screen), moves to `importing`
exactly once (`begin_import`: the first callback wins, a replayed one changes nothing), and
ends `succeeded`, `succeeded_with_errors` or `failed` (`finish_run`), which wipes its PKCE
verifier and Google's tokens. A customer has at most one unfinished run: a new start replaces
one still waiting at Google's screen, and is refused (409 `import_in_progress`) while one is
importing, unless that one has been stuck for longer than `IMPORT_DEADLINE` (a process that
died mid-import), which is then failed as `import_interrupted`.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from clawscale.domain.errors import Conflict
from clawscale.models import CalendarImportRun, ImportRunStatus, ImportTrigger
from clawscale.models.base import utcnow

IMPORT_DEADLINE = timedelta(minutes=15)
UNFINISHED = (ImportRunStatus.AUTHORIZING, ImportRunStatus.IMPORTING)
IN_PROGRESS = "import_in_progress"


@dataclass(frozen=True)
class ImportTarget:
    """Where the runtime files the events: its conversation, character and time zone."""

    conversation_id: str
    character_id: str
    timezone: str


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended."""

    status: ImportRunStatus
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    error_summary: str | None = None
    provider_account_email: str | None = None


def failure(error: str, provider_account_email: str | None = None) -> RunOutcome:
    """A run that failed as a whole, for the reason `error` (a snake_case code)."""
    return RunOutcome(
        ImportRunStatus.FAILED,
        failed=1,
        error_summary=error[:500],
        provider_account_email=provider_account_email,
    )


def _finished(run: CalendarImportRun, outcome: RunOutcome) -> None:
    run.status = outcome.status
    run.imported_count = outcome.imported
    run.skipped_count = outcome.skipped
    run.failed_count = outcome.failed
    run.error_summary = outcome.error_summary
    if outcome.provider_account_email is not None:
        run.provider_account_email = outcome.provider_account_email
    run.code_verifier_encrypted = None
    run.tokens_encrypted = None
    run.finished_at = run.updated_at = utcnow()


def _clear_the_way(db: Session, customer_id: str) -> None:
    """Fail the customer's run waiting at Google (or stuck importing), or refuse the start."""
    unfinished = db.exec(
        select(CalendarImportRun)
        .where(
            CalendarImportRun.customer_id == customer_id,
            col(CalendarImportRun.status).in_(UNFINISHED),
        )
        .with_for_update()
    ).all()
    now = utcnow()
    for run in unfinished:
        if run.status == ImportRunStatus.AUTHORIZING:
            _finished(run, failure("superseded"))
        elif run.updated_at + IMPORT_DEADLINE <= now:
            _finished(run, failure("import_interrupted"))
        else:
            raise Conflict(IN_PROGRESS, "An import is already running; wait for it to finish.")
        db.add(run)
    db.flush()


def start_run(
    db: Session,
    customer_id: str,
    identity_id: str,
    target: ImportTarget,
    trigger: ImportTrigger,
    verifier_encrypted: str,
) -> CalendarImportRun:
    """A new `authorizing` run; 409 `import_in_progress` while another one imports."""
    _clear_the_way(db, customer_id)
    run = CalendarImportRun(
        customer_id=customer_id,
        identity_id=identity_id,
        target_conversation_id=target.conversation_id,
        target_character_id=target.character_id,
        target_timezone=target.timezone,
        trigger_source=trigger,
        code_verifier_encrypted=verifier_encrypted,
    )
    try:
        with db.begin_nested():
            db.add(run)
    except sa.exc.IntegrityError as error:
        raise Conflict(IN_PROGRESS, "An import is already starting.") from error
    return run


def begin_import(db: Session, run_id: str) -> tuple[bool, CalendarImportRun | None]:
    """Move the run from `authorizing` to `importing`; whether this call did, and the run."""
    moved = db.execute(
        update(CalendarImportRun)
        .where(
            col(CalendarImportRun.id) == run_id,
            col(CalendarImportRun.status) == ImportRunStatus.AUTHORIZING,
        )
        .values(status=ImportRunStatus.IMPORTING, updated_at=utcnow())
    )
    run = db.get(CalendarImportRun, run_id, populate_existing=True)
    return moved.rowcount == 1, run


def keep_tokens(db: Session, run_id: str, tokens_encrypted: str) -> None:
    """Hold Google's tokens (encrypted) on an importing run until it ends."""
    db.execute(
        update(CalendarImportRun)
        .where(
            col(CalendarImportRun.id) == run_id,
            col(CalendarImportRun.status) == ImportRunStatus.IMPORTING,
        )
        .values(tokens_encrypted=tokens_encrypted)
    )


def finish_run(db: Session, run_id: str, outcome: RunOutcome) -> CalendarImportRun | None:
    """End an importing run with `outcome`; a run already ended keeps its first outcome."""
    run = db.exec(
        select(CalendarImportRun).where(CalendarImportRun.id == run_id).with_for_update()
    ).first()
    if run is None or run.status != ImportRunStatus.IMPORTING:
        return run
    _finished(run, outcome)
    db.add(run)
    db.flush()
    return run


def fail_stuck_runs(db: Session) -> int:
    """Fail runs importing for longer than the deadline (their process died); how many."""
    stuck = db.exec(
        select(CalendarImportRun).where(
            CalendarImportRun.status == ImportRunStatus.IMPORTING,
            col(CalendarImportRun.updated_at) <= utcnow() - IMPORT_DEADLINE,
        )
    ).all()
    for run in stuck:
        _finished(run, failure("import_interrupted"))
        db.add(run)
    db.flush()
    return len(stuck)


def latest_run(db: Session, customer_id: str, identity_id: str) -> CalendarImportRun | None:
    """The customer's most recent run."""
    return db.exec(
        select(CalendarImportRun)
        .where(
            CalendarImportRun.customer_id == customer_id,
            CalendarImportRun.identity_id == identity_id,
        )
        .order_by(col(CalendarImportRun.started_at).desc(), col(CalendarImportRun.id).desc())
    ).first()


def own_run(
    db: Session, run_id: str, customer_id: str, identity_id: str
) -> CalendarImportRun | None:
    """The run `run_id` if it is this customer's."""
    run = db.get(CalendarImportRun, run_id)
    if run is None or (run.customer_id, run.identity_id) != (customer_id, identity_id):
        return None
    return run
