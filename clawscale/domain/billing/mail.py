"""Billing emails: a receipt when a pass is bought, a notice a few days before access ends.

`send_expiry_notices(db, settings, now)` is meant for a periodic worker. It mails each customer
whose access ends within three days, once per expiry, without a table of its own: the notice's
subject names the expiry to the minute, and a notice is skipped when an email with that exact
subject already went to that address (`email_message` records every email; a failed send does
not count, so the next run tries again).
Buying another pass moves the expiry, so the next notice has a new subject and is sent again.
"""

from datetime import datetime, timedelta
from html import escape

from sqlmodel import Session, col, select

from clawscale.domain.accounts.mailer import send_email
from clawscale.domain.billing.access import (
    TRIAL_LENGTH,
    access_expires_at,
    payments_configured,
)
from clawscale.domain.billing.links import PUBLIC_CHECKOUT_LIFETIME, renewal_link
from clawscale.models import (
    AccessPass,
    Customer,
    EmailMessage,
    EmailStatus,
    Identity,
    Membership,
    MembershipRole,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.web_links import ACCOUNT_PATH, web_url

NOTICE_WINDOW = timedelta(days=3)
RECEIPT_SUBJECT = "Your ClawScale access receipt"
LINK_HOURS = int(PUBLIC_CHECKOUT_LIFETIME.total_seconds() // 3600)


def mail_time(moment: datetime) -> str:
    """A moment as an email states it: "3 June 2026, 14:05 UTC"."""
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def account_email(db: Session, customer: Customer) -> str | None:
    """The address of the customer account's people, owners first; None when none has one."""
    return db.exec(
        select(Identity.email)
        .join(Membership, col(Membership.identity_id) == col(Identity.id))
        .where(Membership.customer_id == customer.id, col(Identity.email).is_not(None))
        .order_by(col(Membership.role) != MembershipRole.OWNER, col(Membership.created_at))
        .limit(1)
    ).first()


def _send(
    db: Session, settings: Settings, recipient: str, subject: str, paragraphs: list[str]
) -> EmailMessage:
    text = "\n\n".join(paragraphs) + "\n"
    html = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    return send_email(db, settings, recipient, subject, text, html)


def send_receipt(
    db: Session, settings: Settings, access_pass: AccessPass, fallback_email: object = None
) -> EmailMessage | None:
    """Mail a receipt for a new pass to the account (or the address given at Checkout)."""
    customer = db.get(Customer, access_pass.customer_id)
    recipient = account_email(db, customer) if customer else None
    recipient = recipient or (fallback_email if isinstance(fallback_email, str) else None)
    if not recipient:
        return None
    return _send(
        db,
        settings,
        recipient,
        RECEIPT_SUBJECT,
        [
            "Thank you for your payment. We added 30 days of access to your ClawScale account.",
            f"Your access now runs until {mail_time(access_pass.expires_at)}.",
            f"Your account: {web_url(settings, ACCOUNT_PATH)}",
        ],
    )


def expiry_notice_subject(expires_at: datetime) -> str:
    """The subject of the notice for one expiry (it identifies the expiry, to the minute)."""
    return f"Your ClawScale access ends on {mail_time(expires_at)}"


def _notice_already_sent(db: Session, recipient: str, subject: str) -> bool:
    sent = db.exec(
        select(EmailMessage.id)
        .where(
            EmailMessage.recipient == recipient,
            EmailMessage.subject == subject,
            EmailMessage.status != EmailStatus.FAILED,
        )
        .limit(1)
    ).first()
    return sent is not None


def _candidate_customer_ids(db: Session, now: datetime) -> set[str]:
    """Customers whose trial or latest-ending pass may end within the notice window."""
    window_end = now + NOTICE_WINDOW
    trials = select(Customer.id).where(
        Customer.created_at > now - TRIAL_LENGTH,
        Customer.created_at <= window_end - TRIAL_LENGTH,
    )
    passes = select(AccessPass.customer_id).where(
        AccessPass.expires_at > now, AccessPass.expires_at <= window_end
    )
    return set(db.exec(trials)) | set(db.exec(passes))


def _send_notice(
    db: Session, settings: Settings, customer: Customer, expires_at: datetime, now: datetime
) -> bool:
    recipient = account_email(db, customer)
    subject = expiry_notice_subject(expires_at)
    if not recipient or _notice_already_sent(db, recipient, subject):
        return False
    _send(
        db,
        settings,
        recipient,
        subject,
        [
            f"Your access to ClawScale ends on {mail_time(expires_at)}.",
            "To keep your assistant answering, add 30 days (they start when your current "
            f"access ends): {renewal_link(settings, customer.id, now)}",
            f"That link works for {LINK_HOURS} hours. You can also renew from your account "
            f"page: {web_url(settings, ACCOUNT_PATH)}",
        ],
    )
    return True


def send_expiry_notices(db: Session, settings: Settings, now: datetime | None = None) -> int:
    """Mail every customer whose access ends within three days, once per expiry; how many."""
    if not payments_configured(settings):
        return 0
    now = now or utcnow()
    sent = 0
    for customer_id in sorted(_candidate_customer_ids(db, now)):
        customer = db.get(Customer, customer_id)
        if customer is None or customer.suspended:
            continue
        expires_at = access_expires_at(db, customer)
        if now < expires_at <= now + NOTICE_WINDOW:
            sent += _send_notice(db, settings, customer, expires_at, now)
    return sent
