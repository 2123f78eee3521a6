"""Outgoing mail: committed before it is sent, sent once through Resend (a fake on loopback) by
the mail worker, retried with backoff, given up as dead, resent by an admin, listed without its
body; on SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from clawscale.db import session_scope
from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.errors import Conflict, NotFound, Unavailable
from clawscale.domain.mail.queries import MailSummary, list_mail
from clawscale.domain.mail.queue import queue_mail, resend_mail
from clawscale.domain.mail.sending import DUE, claim_due_mail, record_mail_outcomes
from clawscale.domain.mail.transport import MailOutcome, mail_reaches_people
from clawscale.models import AuditLog, EmailMessage, EmailStatus
from clawscale.models.base import utcnow
from clawscale.settings import MailTransport, Settings
from clawscale.workers.mail import MailWorker
from tests.databases import claim_plan
from tests.fakes.http_server import FakeResponse
from tests.fakes.resend import FakeResend, fake_resend
from tests.passes import run_passes

NO_MAIL = Settings(_env_file=None, RESEND_API_KEY="")


@pytest.fixture
def resend():
    with fake_resend() as fake:
        yield fake


@pytest.fixture
def mailing(resend: FakeResend) -> Settings:
    """Settings that send mail through the fake Resend."""
    return Settings(_env_file=None, RESEND_API_KEY=resend.api_key, RESEND_API_BASE_URL=resend.url)


def queued(session: Session, settings: Settings, recipient: str = "ada@example.com") -> str:
    message = queue_mail(
        session, settings, recipient, "Verify your email", "Open https://x.test/t?token=secret"
    )
    session.commit()
    return message.id


def stored(session: Session, mail_id: str) -> EmailMessage:
    session.expire_all()
    message = session.get(EmailMessage, mail_id)
    assert message is not None
    return message


def send_due(db, settings: Settings) -> int:
    [attempted] = run_passes(db, MailWorker, settings=settings)
    return attempted


def test_mail_is_committed_pending_then_sent_once(db, session, resend, mailing):
    mail_id = queued(session, mailing)
    assert stored(session, mail_id).status == EmailStatus.PENDING
    assert resend.server.requests_to("/emails") == []

    assert send_due(db, mailing) == 1
    message = stored(session, mail_id)
    assert message.status == EmailStatus.SENT
    assert message.attempts == 1
    assert message.provider_message_id == resend.sent_ids[mail_id]
    [sent] = resend.emails_to("ada@example.com")
    assert sent["subject"] == "Verify your email"
    assert sent["text"] == "Open https://x.test/t?token=secret"
    assert send_due(db, mailing) == 0
    assert len(resend.requests_for(mail_id)) == 1


def test_without_a_resend_key_mail_is_kept_and_nothing_is_sent(db, session, resend, caplog):
    mail_id = queued(session, NO_MAIL)
    assert stored(session, mail_id).status == EmailStatus.KEPT
    assert "kept, not sent" in caplog.text
    assert send_due(db, NO_MAIL) == 0
    assert stored(session, mail_id).status == EmailStatus.KEPT
    assert resend.server.requests_to("/emails") == []


def test_mail_transport_none_keeps_mail_even_with_a_resend_key(db, session, resend, mailing):
    switched_off = mailing.model_copy(update={"MAIL_TRANSPORT": MailTransport.NONE})
    mail_id = queued(session, switched_off)
    assert stored(session, mail_id).status == EmailStatus.KEPT
    assert send_due(db, switched_off) == 0
    assert resend.server.requests_to("/emails") == []


def test_a_transient_failure_is_retried_after_backoff(db, session, resend, mailing, monkeypatch):
    mail_id = queued(session, mailing)
    resend.fail_next(FakeResponse(429, {"name": "rate_limit_exceeded"}, {"Retry-After": "30"}))
    assert send_due(db, mailing) == 1
    message = stored(session, mail_id)
    assert message.status == EmailStatus.FAILED
    assert message.attempts == 1
    assert "429" in (message.error or "")
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= utcnow() + timedelta(seconds=25)
    assert send_due(db, mailing) == 0

    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)
    message.next_attempt_at = utcnow()
    session.add(message)
    session.commit()
    resend.fail_next(FakeResponse(503))
    assert send_due(db, mailing) == 1
    assert stored(session, mail_id).status == EmailStatus.FAILED
    assert send_due(db, mailing) == 1
    message = stored(session, mail_id)
    assert message.status == EmailStatus.SENT
    assert message.attempts == 3
    assert message.error is None
    assert len(resend.emails_to("ada@example.com")) == 1


def test_transient_failures_give_up_as_dead_after_the_last_attempt(
    db, session, resend, mailing, monkeypatch
):
    monkeypatch.setattr("clawscale.domain.mail.sending.MAX_ATTEMPTS", 3)
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)
    mail_id = queued(session, mailing)
    resend.fail_next(*(FakeResponse(500) for _ in range(3)))
    assert [send_due(db, mailing) for _ in range(4)] == [1, 1, 1, 0]
    message = stored(session, mail_id)
    assert message.status == EmailStatus.DEAD
    assert message.attempts == 3
    assert resend.emails_to("ada@example.com") == []


def test_a_permanent_failure_is_dead_at_once(db, session, resend, mailing):
    mail_id = queued(session, mailing)
    resend.fail_next(FakeResponse(422, {"name": "validation_error"}))
    assert send_due(db, mailing) == 1
    message = stored(session, mail_id)
    assert message.status == EmailStatus.DEAD
    assert "422" in (message.error or "")
    assert send_due(db, mailing) == 0


def test_an_admin_resends_dead_mail_audited_and_it_is_sent(db, session, resend, mailing):
    admin = create_admin(session, "ops@example.com", "correct horse battery")
    session.commit()
    mail_id = queued(session, mailing)
    resend.fail_next(FakeResponse(403, {"name": "invalid_from_address"}))
    send_due(db, mailing)
    assert stored(session, mail_id).status == EmailStatus.DEAD

    with session_scope(db) as work:
        resend_mail(work, mailing, admin.id, mail_id)
    message = stored(session, mail_id)
    assert (message.status, message.attempts, message.error) == (EmailStatus.PENDING, 0, None)
    [entry] = session.exec(select(AuditLog).where(AuditLog.action == "mail.resend")).all()
    assert (entry.admin_id, entry.target_kind, entry.target_id) == (
        admin.id,
        "email_message",
        mail_id,
    )
    assert entry.details == {"email": "ada@example.com", "status": "dead"}

    assert send_due(db, mailing) == 1
    assert stored(session, mail_id).status == EmailStatus.SENT
    assert len(resend.emails_to("ada@example.com")) == 1
    with pytest.raises(Conflict), session_scope(db) as work:
        resend_mail(work, mailing, admin.id, mail_id)
    with pytest.raises(NotFound), session_scope(db) as work:
        resend_mail(work, mailing, admin.id, "em_missing")


def test_kept_mail_is_resent_once_a_key_is_set_but_not_without_one(db, session, resend, mailing):
    mail_id = queued(session, NO_MAIL)
    with pytest.raises(Unavailable), session_scope(db) as work:
        resend_mail(work, NO_MAIL, None, mail_id)
    assert stored(session, mail_id).status == EmailStatus.KEPT
    with session_scope(db) as work:
        resend_mail(work, mailing, None, mail_id)
    assert send_due(db, mailing) == 1
    assert stored(session, mail_id).status == EmailStatus.SENT


def test_a_worker_that_dies_mid_send_loses_nothing_and_its_late_outcome_is_ignored(
    db, session, resend, mailing
):
    mail_id = queued(session, mailing)
    with session_scope(db) as work:
        [claimed] = claim_due_mail(work, "mail:dead", 5, timedelta(seconds=0))
    assert claimed.id == mail_id
    assert stored(session, mail_id).status == EmailStatus.SENDING

    assert send_due(db, mailing) == 1
    assert stored(session, mail_id).status == EmailStatus.SENT
    with session_scope(db) as work:
        late = MailOutcome(mail_id, error="HTTP 500", transient=True)
        assert record_mail_outcomes(work, [late], "mail:dead") == [None]
    assert stored(session, mail_id).status == EmailStatus.SENT
    assert len(resend.requests_for(mail_id)) == 1


def test_two_workers_never_send_one_mail_twice(db, session, resend, mailing):
    mail_ids = [queued(session, mailing, f"person{index}@example.com") for index in range(20)]

    async def both_until_done() -> None:
        workers = [MailWorker(db, mailing), MailWorker(db, mailing)]
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(40):
                attempted = await asyncio.gather(*(w.run_once(client) for w in workers))
                if sum(attempted) == 0:
                    return

    asyncio.run(both_until_done())
    session.expire_all()
    assert {stored(session, mail_id).status for mail_id in mail_ids} == {EmailStatus.SENT}
    assert [len(resend.requests_for(mail_id)) for mail_id in mail_ids] == [1] * 20
    assert len(resend.sent) == 20


def test_the_list_shows_what_was_sent_and_its_state_never_the_body(db, session, resend, mailing):
    sent_id = queued(session, mailing, "sent@example.com")
    send_due(db, mailing)
    kept_ids = [queued(session, NO_MAIL, f"kept{index}@example.com") for index in range(3)]

    every = list_mail(session, (), limit=2, offset=0)
    assert every.total == 4
    assert [item.id for item in every.items] == kept_ids[::-1][:2]
    second = list_mail(session, (), limit=2, offset=2)
    assert [item.id for item in second.items] == [kept_ids[0], sent_id]
    kept = list_mail(session, (EmailStatus.KEPT,), limit=10, offset=0)
    assert kept.total == 3
    assert {item.status for item in kept.items} == {EmailStatus.KEPT}
    [sent] = list_mail(session, (EmailStatus.SENT,), limit=10, offset=0).items
    assert (sent.recipient, sent.subject, sent.attempts) == (
        "sent@example.com",
        "Verify your email",
        1,
    )
    assert not {"text", "html"} & set(MailSummary.__dataclass_fields__)


def test_the_claim_walks_waiting_mail_oldest_first_without_sorting(db, session, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL plan")
    for index in range(300):
        queue_mail(
            session, Settings(_env_file=None, RESEND_API_KEY="k"), f"{index}@x.test", "s", "t"
        )
    session.commit()
    plan = claim_plan(db, DUE)
    assert "ix_email_message_waiting_created" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize(
    ("environment", "key", "reaches"),
    [("production", "re_key", True), ("development", "", True), ("production", "", False)],
)
def test_pages_say_a_link_was_sent_only_when_mail_reaches_someone(environment, key, reaches):
    settings = Settings(_env_file=None, CLAWSCALE_ENV=environment, RESEND_API_KEY=key)
    assert mail_reaches_people(settings) is reaches
