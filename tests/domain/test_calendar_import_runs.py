"""Calendar import runs on both databases: one unfinished run per customer, the single move to
`importing`, the end that wipes the secrets, stuck imports, and key rotation of what a run
holds."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.domain.calendar_import.runs import (
    IMPORT_DEADLINE,
    ImportTarget,
    RunOutcome,
    begin_import,
    fail_stuck_runs,
    finish_run,
    keep_tokens,
    start_run,
)
from clawscale.domain.channels.secret_rotation import reencrypt_credentials
from clawscale.domain.errors import Conflict
from clawscale.models import (
    CalendarImportRun,
    Customer,
    Identity,
    ImportRunStatus,
    ImportTrigger,
)
from clawscale.models.base import utcnow

TARGET = ImportTarget("conv-1", "char-1", "Asia/Shanghai")
OLD_KEY, NEW_KEY = "old-secret-key", "new-secret-key"


@pytest.fixture
def person(session: Session) -> tuple[str, str]:
    identity, customer = Identity(display_name="Ada"), Customer(display_name="Ada")
    session.add_all([identity, customer])
    session.commit()
    return customer.id, identity.id


def start(session: Session, person: tuple[str, str]) -> CalendarImportRun:
    run = start_run(
        session, *person, TARGET, ImportTrigger.MANUAL_WEB, encrypt_text(OLD_KEY, "verifier")
    )
    session.commit()
    return run


def importing(session: Session, person: tuple[str, str]) -> CalendarImportRun:
    run = start(session, person)
    won, _ = begin_import(session, run.id)
    keep_tokens(session, run.id, encrypt_text(OLD_KEY, '{"access_token": "t"}'))
    session.commit()
    assert won
    session.refresh(run)
    return run


def test_only_the_first_callback_moves_a_run_to_importing(session, person):
    run = start(session, person)
    assert begin_import(session, run.id)[0] is True
    again, seen = begin_import(session, run.id)
    assert (again, seen.status) == (False, ImportRunStatus.IMPORTING)
    assert begin_import(session, "cir_unknown") == (False, None)


def test_a_start_while_one_imports_is_refused_until_it_is_stuck(session, person):
    run = importing(session, person)
    with pytest.raises(Conflict) as refused:
        start(session, person)
    assert refused.value.code == "import_in_progress"
    session.rollback()
    run.updated_at = utcnow() - IMPORT_DEADLINE - timedelta(seconds=1)
    session.add(run)
    session.commit()
    fresh = start(session, person)
    session.refresh(run)
    assert (run.status, run.error_summary, run.tokens_encrypted) == (
        ImportRunStatus.FAILED,
        "import_interrupted",
        None,
    )
    assert fresh.status == ImportRunStatus.AUTHORIZING


def test_the_end_of_a_run_is_its_first_and_wipes_its_secrets(session, person):
    run = importing(session, person)
    finish_run(session, run.id, RunOutcome(ImportRunStatus.SUCCEEDED, imported=3))
    finish_run(session, run.id, RunOutcome(ImportRunStatus.FAILED, error_summary="late"))
    session.commit()
    session.refresh(run)
    assert (run.status, run.imported_count, run.error_summary) == ("succeeded", 3, None)
    assert (run.code_verifier_encrypted, run.tokens_encrypted) == (None, None)
    assert run.finished_at is not None


def test_the_hourly_chore_fails_imports_stuck_past_the_deadline(session, person):
    run = importing(session, person)
    assert fail_stuck_runs(session) == 0
    run.updated_at = utcnow() - IMPORT_DEADLINE
    session.add(run)
    session.commit()
    assert fail_stuck_runs(session) == 1
    session.commit()
    session.refresh(run)
    assert (run.status, run.error_summary) == ("failed", "import_interrupted")


def test_key_rotation_moves_what_an_unfinished_run_holds(session, person):
    run = importing(session, person)
    report = reencrypt_credentials(session, OLD_KEY, NEW_KEY)
    session.commit()
    session.refresh(run)
    assert report.import_runs == 1
    assert decrypt_text(NEW_KEY, run.code_verifier_encrypted) == "verifier"
    assert decrypt_text(NEW_KEY, run.tokens_encrypted) == '{"access_token": "t"}'
