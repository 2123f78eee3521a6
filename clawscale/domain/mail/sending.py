"""The mail worker's side of the queue: claiming due emails under a lease, and recording how
each attempt ended.

Emails are claimed like outbox rows (`queue.leases`): walked oldest first and locked (`FOR
UPDATE SKIP LOCKED` on PostgreSQL), then leased, so two workers never hold one email; a worker
that dies leaves a lease that expires, and the email becomes due again (its Idempotency-Key
keeps Resend from sending it twice). Transient failures are retried with backoff up to
MAX_ATTEMPTS, then the email is `dead` until an admin resends it.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from clawscale.bound_lists import one_of
from clawscale.domain.mail.transport import MailOutcome, OutgoingMail
from clawscale.domain.queue import leases
from clawscale.models import EmailMessage, EmailStatus
from clawscale.models.mail import WAITING_MAIL

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
DUE = leases.due_heads_oldest_first(EmailMessage, WAITING_MAIL, sa.true())
CLAIM = leases.walked_lease_statement(
    EmailMessage, status=EmailStatus.SENDING, attempts=EmailMessage.attempts + 1
)
TAKEN = select(EmailMessage).where(one_of(col(EmailMessage.id), "ids"))
"""The held emails, in no order (`leases.in_order_of`)."""


def claim_due_mail(db: Session, worker_id: str, limit: int, lease: timedelta) -> list[OutgoingMail]:
    """Take up to `limit` due emails, oldest first, with what sending them needs."""
    candidates = leases.walk_ids_oldest_first(db, DUE, limit)
    taken = leases.take_many(db, CLAIM, candidates, worker_id, lease)
    if not taken:
        return []
    rows = db.exec(TAKEN, params={"ids": taken}).all()
    return [
        OutgoingMail(row.id, row.recipient, row.subject, row.text, row.html)
        for row in leases.in_order_of(taken, rows, lambda row: row.id)
    ]


def _record(db: Session, outcome: MailOutcome, worker_id: str) -> EmailStatus | None:
    message = leases.held(db, EmailMessage, outcome.mail_id, worker_id)
    if message is None:
        return None
    if outcome.error is None:
        message.status = EmailStatus.SENT
        message.provider_message_id = outcome.provider_message_id or None
        message.error = None
        message.next_attempt_at = None
    else:
        retried = leases.retry_later(
            message,
            transient=outcome.transient,
            max_attempts=MAX_ATTEMPTS,
            retry_after=outcome.retry_after,
        )
        message.status = EmailStatus.FAILED if retried else EmailStatus.DEAD
        message.error = outcome.error
        logger.warning(
            "email %s attempt %d failed (%s): %s",
            message.id,
            message.attempts,
            "will retry" if retried else "given up",
            outcome.error,
        )
    leases.release(db, message)
    return message.status


def record_mail_outcomes(
    db: Session, outcomes: list[MailOutcome], worker_id: str
) -> list[EmailStatus | None]:
    """Record attempts' outcomes in one transaction; each email's new status (None where this
    worker no longer holds it)."""
    return [_record(db, outcome, worker_id) for outcome in outcomes]
