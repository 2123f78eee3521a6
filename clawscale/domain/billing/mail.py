"""Billing emails: a receipt when a pass is bought, a notice a few days before access ends.

`send_expiry_notices(db, settings, now)` is meant for a periodic worker. It mails each customer
whose access ends within three days, once per expiry, without a table of its own: the notice's
subject names the expiry to the minute, and a notice is skipped when an email with that exact
subject already went to that address (`email_message` records every email; one the mail worker
gave up on, `dead`, does not count, so the next run writes it again).
Buying another pass moves the expiry, so the next notice has a new subject and is sent again.

Each email is in its recipient's language (`languages.email_locale`: the account's person, or
English for an address given only at Checkout), the subject too. A notice's subject is
computed in that language both to send it and to look for it, so a person who switches language
is sent the notice of the same expiry once more, in the new language.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from clawscale.domain.accounts.languages import email_locale
from clawscale.domain.accounts.mailer import Link, Part, send_letter
from clawscale.domain.billing.access import (
    TRIAL_LENGTH,
    access_expires_at,
    payments_configured,
)
from clawscale.domain.billing.links import PUBLIC_CHECKOUT_LIFETIME, renewal_link
from clawscale.i18n.catalogs import gettext, ngettext
from clawscale.i18n.formatting import mail_time
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
LINK_HOURS = int(PUBLIC_CHECKOUT_LIFETIME.total_seconds() // 3600)


def account_person(db: Session, customer: Customer) -> Identity | None:
    """The person of the customer account billing mail goes to: the first with an address,
    owners first; None when none has one."""
    return db.exec(
        select(Identity)
        .join(Membership, col(Membership.identity_id) == col(Identity.id))
        .where(Membership.customer_id == customer.id, col(Identity.email).is_not(None))
        .order_by(col(Membership.role) != MembershipRole.OWNER, col(Membership.created_at))
        .limit(1)
    ).first()


def account_email(db: Session, customer: Customer) -> str | None:
    """The address of the customer account's people, owners first; None when none has one."""
    person = account_person(db, customer)
    return person.email if person else None


def _receipt_parts(settings: Settings, access_pass: AccessPass, locale: str) -> list[Part]:
    until = mail_time(access_pass.expires_at, locale)
    return [
        gettext(
            locale,
            "Thank you for your payment. We added 30 days of access to your ClawScale account.",
        ),
        gettext(locale, "Your access now runs until {time}.", time=until),
        gettext(locale, "Your account:"),
        Link(web_url(settings, ACCOUNT_PATH)),
    ]


def send_receipt(
    db: Session, settings: Settings, access_pass: AccessPass, fallback_email: object = None
) -> EmailMessage | None:
    """Mail a receipt for a new pass to the account (or the address given at Checkout), in
    the language of the account's person (English for the Checkout address)."""
    customer = db.get(Customer, access_pass.customer_id)
    person = account_person(db, customer) if customer else None
    recipient = person.email if person else None
    recipient = recipient or (fallback_email if isinstance(fallback_email, str) else None)
    if not recipient:
        return None
    locale = email_locale(person)
    subject = gettext(locale, "Your ClawScale access receipt")
    return send_letter(
        db, settings, recipient, locale, subject, _receipt_parts(settings, access_pass, locale)
    )


def expiry_notice_subject(expires_at: datetime, locale: str) -> str:
    """The subject of the notice for one expiry in `locale` (it identifies the expiry, to the
    minute)."""
    return gettext(
        locale, "Your ClawScale access ends on {time}", time=mail_time(expires_at, locale)
    )


def _notice_already_sent(db: Session, recipient: str, subject: str) -> bool:
    sent = db.exec(
        select(EmailMessage.id)
        .where(
            EmailMessage.recipient == recipient,
            EmailMessage.subject == subject,
            EmailMessage.status != EmailStatus.DEAD,
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


def _notice_parts(
    settings: Settings, customer: Customer, expires_at: datetime, now: datetime, locale: str
) -> list[Part]:
    ends = mail_time(expires_at, locale)
    return [
        gettext(locale, "Your access to ClawScale ends on {time}.", time=ends),
        gettext(
            locale,
            "To keep your assistant answering, add 30 days (they start when your current "
            "access ends):",
        ),
        Link(renewal_link(settings, customer.id, now)),
        ngettext(
            locale,
            "That link works for {count} hour. You can also renew from your account page:",
            "That link works for {count} hours. You can also renew from your account page:",
            LINK_HOURS,
        ),
        Link(web_url(settings, ACCOUNT_PATH)),
    ]


def _send_notice(
    db: Session, settings: Settings, customer: Customer, expires_at: datetime, now: datetime
) -> bool:
    person = account_person(db, customer)
    if person is None or not person.email:
        return False
    locale = email_locale(person)
    subject = expiry_notice_subject(expires_at, locale)
    if _notice_already_sent(db, person.email, subject):
        return False
    parts = _notice_parts(settings, customer, expires_at, now, locale)
    send_letter(db, settings, person.email, locale, subject, parts)
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
