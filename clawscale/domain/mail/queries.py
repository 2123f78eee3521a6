"""Outgoing mail for operators: newest first, filtered by state, a page at a time.

Only what was sent and what became of it is read here: the console never shows an email's
body, which may hold a sign-in or verification link.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from clawscale.models import EmailMessage, EmailStatus


@dataclass(frozen=True)
class MailSummary:
    """One email without its body: to whom, about what, and how it went."""

    id: str
    recipient: str
    subject: str
    status: EmailStatus
    attempts: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class MailPage:
    """One page of emails, and how many match in all."""

    items: list[MailSummary]
    total: int


SUMMARY_COLUMNS = (
    EmailMessage.id,
    EmailMessage.recipient,
    EmailMessage.subject,
    EmailMessage.status,
    EmailMessage.attempts,
    EmailMessage.error,
    EmailMessage.created_at,
    EmailMessage.updated_at,
    EmailMessage.next_attempt_at,
)


def list_mail(db: Session, statuses: Sequence[EmailStatus], limit: int, offset: int) -> MailPage:
    """The emails in `statuses` (every one when empty), newest first, from `offset`."""
    conditions = [col(EmailMessage.status).in_(list(statuses))] if statuses else []
    total = db.exec(select(func.count()).select_from(EmailMessage).where(*conditions)).one()
    rows = db.exec(
        select(*SUMMARY_COLUMNS)
        .where(*conditions)
        .order_by(col(EmailMessage.created_at).desc(), col(EmailMessage.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return MailPage([MailSummary(*row) for row in rows], total)
