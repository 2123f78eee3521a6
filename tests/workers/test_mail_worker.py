"""The mail worker as `run_all_workers` runs it: asleep until an email commits, then woken by
the commit and sending it through Resend (a fake on loopback)."""

import time

from clawscale.domain.mail.queue import queue_mail
from clawscale.domain.queue.signals import MAIL
from clawscale.models import EmailMessage, EmailStatus
from clawscale.settings import Settings
from clawscale.workers.loop import run_woken
from clawscale.workers.mail import MailWorker
from tests.fakes.resend import fake_resend
from tests.passes import in_background
from tests.processes import wait_until


def test_a_running_mail_worker_sends_as_soon_as_an_email_commits(db, session, monkeypatch):
    monkeypatch.setattr("clawscale.workers.slots.IDLE_SECONDS", 600)
    with fake_resend() as resend:
        settings = Settings(
            _env_file=None, RESEND_API_KEY=resend.api_key, RESEND_API_BASE_URL=resend.url
        )
        with in_background(lambda: run_woken(db, MAIL, MailWorker(db, settings))):
            time.sleep(1)  # the worker has found nothing due and sleeps
            message = queue_mail(session, settings, "ada@example.com", "Hello", "Hi Ada")
            session.commit()

            def sent() -> bool:
                session.expire_all()
                stored = session.get(EmailMessage, message.id)
                return stored is not None and stored.status == EmailStatus.SENT

            wait_until(sent, 20, "the email sent")
        assert [mail["subject"] for mail in resend.emails_to("ada@example.com")] == ["Hello"]
