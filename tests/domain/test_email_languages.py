"""Every email in its recipient's language, on both databases: the language a person registered
or claimed in, or last chose on the site, writes their verification, reset, claim, receipt and
expiry mails (subject and body, HTML with its `lang`); expiry notices still go once per expiry
(and once more only in a newly chosen language)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from clawscale.domain.accounts.customers import (
    Account,
    claim,
    claim_entry_token,
    register,
    request_claim,
    request_password_reset,
    resend_verification,
)
from clawscale.domain.accounts.languages import remember_locale
from clawscale.domain.accounts.mailer import Link, letter_html
from clawscale.domain.billing.access import TRIAL_LENGTH, grant_pass
from clawscale.domain.billing.mail import send_expiry_notices, send_receipt
from clawscale.i18n.formatting import mail_time
from clawscale.i18n.locales import CHINESE, ENGLISH
from clawscale.models import ClaimStatus, Customer, EmailMessage, Identity, Membership
from clawscale.models.base import utcnow
from clawscale.settings import Settings

PAID = Settings(
    _env_file=None,
    STRIPE_SECRET_KEY="sk_test_languages",
    STRIPE_PRICE_ID="price_languages",
    CLAWSCALE_PUBLIC_API_URL="http://api.example.test",
    DOMAIN_CLIENT="http://web.example.test",
)
PASSWORD = "correct horse battery"
SUBJECTS = {
    CHINESE: {
        "verify": "验证邮箱",
        "reset": "重置密码",
        "claim": "认领账号",
        "receipt": "你的 ClawScale 付款收据",
        "notice": "你的 ClawScale 使用期将于 ",
    },
    ENGLISH: {
        "verify": "Verify your email",
        "reset": "Reset your password",
        "claim": "Claim your account",
        "receipt": "Your ClawScale access receipt",
        "notice": "Your ClawScale access ends on ",
    },
}
NAMES_NEVER_TRANSLATED = frozenset({"ClawScale", "UTC"})
URL = re.compile(r"https?://\S+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def english_words(text: str, *names: str) -> list[str]:
    """The Latin words of `text` outside links, names and the `names` given (a person's).
    Links go first: a name inside a link's random token would otherwise cut the link short."""
    text = URL.sub(" ", text)
    for name in names:
        text = text.replace(name, " ")
    return [word for word in LATIN_WORD.findall(text) if word not in NAMES_NEVER_TRANSLATED]


def assert_written_in(message: EmailMessage, locale: str, kind: str, *names: str) -> None:
    """The message reads wholly in `locale`: its subject, its text and its HTML."""
    assert message.subject.startswith(SUBJECTS[locale][kind])
    assert f'<html lang="{"zh-Hans" if locale == CHINESE else "en"}">' in message.html
    for part in (message.subject, message.text):
        if locale == CHINESE:
            assert english_words(part, message.recipient, *names) == [], part
        else:
            assert CJK.search(part) is None, part


def mails_to(session: Session, recipient: str) -> list[EmailMessage]:
    """The emails to `recipient`, oldest first."""
    session.expire_all()
    query = select(EmailMessage).where(EmailMessage.recipient == recipient)
    return list(session.exec(query.order_by(col(EmailMessage.created_at))))


def last_mail(session: Session, recipient: str) -> EmailMessage:
    """The newest email to `recipient`."""
    return mails_to(session, recipient)[-1]


def registered(session: Session, name: str, email: str, locale: str | None) -> Account:
    """A customer who registered on a page in `locale`."""
    account = register(session, PAID, name, email, PASSWORD, locale)
    session.commit()
    return account


def ending_soon(session: Session, customer: Customer) -> datetime:
    """Make the customer's trial end within the notice window; when it ends."""
    customer.created_at = utcnow() - TRIAL_LENGTH + timedelta(days=2)
    session.add(customer)
    session.commit()
    return customer.created_at + TRIAL_LENGTH


def unclaimed(session: Session) -> Identity:
    """An identity made in chat, not yet claimed, with its own customer."""
    identity = Identity(display_name="Chat", claim_status=ClaimStatus.UNCLAIMED)
    customer = Customer(display_name="Chat")
    session.add_all([identity, customer])
    session.flush()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()
    return identity


def test_mail_times_read_as_each_language_writes_them():
    moment = datetime(2026, 6, 3, 14, 5, tzinfo=UTC)
    assert mail_time(moment, ENGLISH) == "3 June 2026, 14:05 UTC"
    assert mail_time(moment, CHINESE) == "2026年6月3日 14:05 (UTC)"
    assert mail_time(moment.replace(tzinfo=None), CHINESE) == "2026年6月3日 14:05 (UTC)"


def test_letters_escape_their_text_and_links():
    html = letter_html(ENGLISH, "<Hi>", ["Tom & <Jerry>", Link('http://x.test/?a=1&b="2"')])
    assert "<title>&lt;Hi&gt;</title>" in html
    assert "<p>Tom &amp; &lt;Jerry&gt;</p>" in html
    assert '<a href="http://x.test/?a=1&amp;b=&quot;2&quot;">' in html
    assert "<Jerry>" not in html


@pytest.mark.parametrize("locale", [CHINESE, ENGLISH])
def test_a_customer_is_written_to_in_the_language_they_registered_in(session, locale):
    email = "ming@example.com"
    account = registered(session, "Ming", email, locale)
    assert account.identity.locale == locale
    assert_written_in(last_mail(session, email), locale, "verify", "Ming")

    resend_verification(session, PAID, email)
    assert_written_in(last_mail(session, email), locale, "verify", "Ming")
    request_password_reset(session, PAID, email)
    assert_written_in(last_mail(session, email), locale, "reset", "Ming")

    trial_end = ending_soon(session, account.customer)
    assert send_expiry_notices(session, PAID) == 1
    session.commit()
    notice = last_mail(session, email)
    assert_written_in(notice, locale, "notice")
    assert mail_time(trial_end, locale) in notice.subject
    assert "http://api.example.test/api/public/subscription-checkout?token=" in notice.text
    assert '<a href="http://web.example.test/account">' in notice.html

    grant = grant_pass(session, account.customer.id, "cs_test_languages")
    assert grant is not None
    send_receipt(session, PAID, grant.access_pass)
    session.commit()
    receipt = last_mail(session, email)
    assert_written_in(receipt, locale, "receipt")
    assert mail_time(grant.access_pass.expires_at, locale) in receipt.text


def test_without_a_language_the_mail_is_english(session):
    account = registered(session, "Ada", "ada@example.com", "fr")
    assert account.identity.locale is None
    assert_written_in(last_mail(session, "ada@example.com"), ENGLISH, "verify", "Ada")


@pytest.mark.parametrize("locale", [CHINESE, ENGLISH])
def test_a_claim_is_mailed_in_the_language_of_its_page(session, locale):
    identity = unclaimed(session)
    entry = claim_entry_token(PAID, identity.id)
    request_claim(session, PAID, entry, "chat@example.com", "/account", locale)
    session.commit()
    mail = last_mail(session, "chat@example.com")
    assert_written_in(mail, locale, "claim", "Chat")
    assert "/auth/claim?token=" in mail.text


def test_finishing_a_claim_on_a_page_in_another_language_switches_the_mail(session):
    identity = unclaimed(session)
    entry = claim_entry_token(PAID, identity.id)
    request_claim(session, PAID, entry, "chat@example.com", None, ENGLISH)
    token = URL.findall(last_mail(session, "chat@example.com").text)[0].split("token=")[1]
    claim(session, token.split("&")[0], PASSWORD, CHINESE)
    session.commit()
    request_password_reset(session, PAID, "chat@example.com")
    assert_written_in(last_mail(session, "chat@example.com"), CHINESE, "reset", "Chat")


def test_a_customer_who_switches_language_gets_the_new_one_next_time(session):
    email = "bo@example.com"
    account = registered(session, "Bo", email, ENGLISH)
    request_password_reset(session, PAID, email)
    assert_written_in(last_mail(session, email), ENGLISH, "reset", "Bo")

    remember_locale(session, account.identity, CHINESE)
    session.commit()
    request_password_reset(session, PAID, email)
    assert_written_in(last_mail(session, email), CHINESE, "reset", "Bo")

    remember_locale(session, account.identity, ENGLISH)
    session.commit()
    resend_verification(session, PAID, email)
    assert_written_in(last_mail(session, email), ENGLISH, "verify", "Bo")


def test_an_expiry_notice_goes_once_per_expiry_and_language(session):
    email = "li@example.com"
    account = registered(session, "Li", email, CHINESE)
    ending_soon(session, account.customer)

    assert send_expiry_notices(session, PAID) == 1
    session.commit()
    assert send_expiry_notices(session, PAID) == 0
    session.commit()

    remember_locale(session, account.identity, ENGLISH)
    session.commit()
    assert send_expiry_notices(session, PAID) == 1
    session.commit()
    assert send_expiry_notices(session, PAID) == 0
    session.commit()

    notices = [mail for mail in mails_to(session, email) if "ClawScale" in mail.subject]
    assert [mail.subject.startswith(SUBJECTS[CHINESE]["notice"]) for mail in notices] == [
        True,
        False,
    ]
    assert_written_in(notices[1], ENGLISH, "notice")


def test_a_receipt_for_an_address_given_only_at_checkout_is_english(session):
    customer = Customer(display_name="Nobody")
    session.add(customer)
    session.commit()
    grant = grant_pass(session, customer.id, "cs_test_fallback")
    assert grant is not None
    send_receipt(session, PAID, grant.access_pass, fallback_email="paid@example.com")
    session.commit()
    assert_written_in(last_mail(session, "paid@example.com"), ENGLISH, "receipt")
