"""The API keeps the request's Accept-Language as the language of a person's email, when they
register or claim over real HTTP, on both databases (mail kept for the development mailbox)."""

from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import col, select

from clawscale.domain.accounts.customers import claim_entry_token
from clawscale.i18n.locales import CHINESE, ENGLISH
from clawscale.models import ClaimStatus, Customer, EmailMessage, Identity, Membership
from clawscale.settings import Settings

PASSWORD = "correct horse battery"


def newest_mail(session, recipient):
    session.expire_all()
    query = select(EmailMessage).where(EmailMessage.recipient == recipient)
    return session.exec(query.order_by(col(EmailMessage.created_at).desc())).first()


def identity_of(session, email):
    session.expire_all()
    return session.exec(select(Identity).where(Identity.email == email)).one()


@pytest.mark.parametrize(
    ("accept_language", "locale", "subject"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", CHINESE, "验证邮箱"),
        ("fr-FR,en;q=0.5,zh;q=0.3", ENGLISH, "Verify your email"),
        ("en-GB", ENGLISH, "Verify your email"),
        (None, None, "Verify your email"),
    ],
)
def test_register_mails_in_the_language_the_request_accepts(
    client, session, accept_language, locale, subject
):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.post(
        "/api/auth/register",
        json={"display_name": "Ada", "email": "ada@example.com", "password": PASSWORD},
        headers=headers,
    )
    assert response.status_code == 201
    assert identity_of(session, "ada@example.com").locale == locale
    mail = newest_mail(session, "ada@example.com")
    assert mail.subject == subject

    client.post(
        "/api/auth/forgot-password",
        json={"email": "ada@example.com"},
        headers={"Accept-Language": "zh-CN" if locale != CHINESE else "en"},
    )
    reset = newest_mail(session, "ada@example.com")
    assert reset.subject == ("重置密码" if locale == CHINESE else "Reset your password")


def test_a_claim_over_the_api_keeps_the_language_of_its_requests(client, session):
    identity = Identity(display_name="Chat", claim_status=ClaimStatus.UNCLAIMED)
    customer = Customer(display_name="Chat")
    session.add_all([identity, customer])
    session.commit()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()

    client.post(
        "/api/auth/claim/request",
        json={"entry_token": claim_entry_token(Settings(), identity.id), "email": "c@example.com"},
        headers={"Accept-Language": "zh-Hans"},
    )
    mail = newest_mail(session, "c@example.com")
    assert mail.subject == "认领账号"
    assert '<html lang="zh-Hans">' in mail.html

    token = parse_qs(urlparse(mail.text.split()[-1]).query)["token"][0]
    claimed = client.post(
        "/api/auth/claim",
        json={"token": token, "password": PASSWORD},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    assert claimed.status_code == 200
    assert identity_of(session, "c@example.com").locale == ENGLISH
