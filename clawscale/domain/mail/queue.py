"""Writing an email into the queue, the development mailbox, and an admin's resend.

An email is a row committed with the work that wrote it (a sign-up, a receipt); the mail worker
sends it after the commit, so a crash between the two loses nothing. Without a Resend key the
row is `kept` instead: shown in the development mailbox and on the console, and logged, since
nobody will receive it.
"""

import logging

from sqlmodel import Session, col, select

from clawscale.domain.audit import record_admin_action
from clawscale.domain.errors import Conflict, NotFound, Unavailable
from clawscale.domain.mail.transport import mail_is_sent
from clawscale.domain.queue import leases
from clawscale.domain.queue.signals import MAIL
from clawscale.models import EmailMessage, EmailStatus
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

RESENDABLE = (EmailStatus.KEPT, EmailStatus.FAILED, EmailStatus.DEAD)
"""What an admin may send again: mail never sent, or waiting for a retry."""


def queue_mail(
    db: Session, settings: Settings, recipient: str, subject: str, text: str, html: str = ""
) -> EmailMessage:
    """Write one email: queued for the mail worker (woken once this transaction commits), or,
    without a Resend key, kept unsent."""
    sent = mail_is_sent(settings)
    message = EmailMessage(
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        status=EmailStatus.PENDING if sent else EmailStatus.KEPT,
    )
    db.add(message)
    db.flush()
    if sent:
        MAIL.announce(db)
    else:
        logger.warning(
            "email %s (%s) kept, not sent: MAIL_TRANSPORT=none or no RESEND_API_KEY",
            message.id,
            subject,
        )
    return message


def kept_emails(db: Session, limit: int = 50, offset: int = 0) -> list[EmailMessage]:
    """The development mailbox: the emails kept unsent, newest first."""
    return list(
        db.exec(
            select(EmailMessage)
            .where(EmailMessage.status == EmailStatus.KEPT)
            .order_by(col(EmailMessage.created_at).desc(), col(EmailMessage.id).desc())
            .offset(offset)
            .limit(limit)
        )
    )


def resend_mail(
    db: Session, settings: Settings, admin_id: str | None, mail_id: str
) -> EmailMessage:
    """An admin's resend, audited: a kept, failed or dead email is due now with a fresh budget
    of attempts. Unavailable (`mail_not_sent`) when this gateway sends no mail, NotFound when
    the email is gone, Conflict when it is sent or on its way."""
    if not mail_is_sent(settings):
        raise Unavailable(
            "mail_not_sent", "this gateway sends no mail: MAIL_TRANSPORT=none or no RESEND_API_KEY"
        )
    message = db.get(EmailMessage, mail_id, with_for_update=True)
    if message is None:
        raise NotFound("mail_not_found")
    if message.status not in RESENDABLE:
        raise Conflict("mail_not_resendable")
    before = message.status
    message.status = EmailStatus.PENDING
    message.error = None
    leases.start_afresh(db, message)
    MAIL.announce(db)
    record_admin_action(
        db,
        admin_id,
        "mail.resend",
        "email_message",
        message.id,
        {"email": message.recipient, "status": str(before)},
    )
    return message
