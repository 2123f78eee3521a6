"""`/api/auth/*` over real HTTP on both databases, with Resend faked by a local server (mail
reaches it through the mail worker, run before each look at what it received)."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import func, select

from clawscale.domain.accounts.customers import claim_entry_token
from clawscale.domain.accounts.sessions import issue_session
from clawscale.models import (
    ClaimStatus,
    Customer,
    EmailMessage,
    Identity,
    Membership,
    OneTimeToken,
    SessionSubject,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from tests.fakes.resend import FakeResend, fake_resend
from tests.passes import send_all_mail

PASSWORD = "correct horse battery"


def register(client, email="ada@example.com", password=PASSWORD, name="Ada"):
    return client.post(
        "/api/auth/register", json={"display_name": name, "email": email, "password": password}
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def link_params(link):
    return {key: values[0] for key, values in parse_qs(urlparse(link).query).items()}


def count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


class SentMail:
    """What the fake Resend received once the mail worker has sent everything due."""

    def __init__(self, fake: FakeResend, engine, settings: Settings) -> None:
        self.fake, self.engine, self.settings = fake, engine, settings

    def emails_to(self, address: str) -> list[dict]:
        send_all_mail(self.engine, self.settings)
        return self.fake.emails_to(address)

    def last_link_to(self, address: str) -> str:
        send_all_mail(self.engine, self.settings)
        return self.fake.last_link_to(address)


@pytest.fixture
def resend(use_settings, db):
    with fake_resend() as fake:
        settings = use_settings(RESEND_API_KEY=fake.api_key, RESEND_API_BASE_URL=fake.url)
        yield SentMail(fake, db, settings)


def test_register_signs_in_a_pending_identity_and_mails_a_verification_link(client, resend):
    response = register(client, email=" Ada@Example.com ")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["email"] == "ada@example.com"
    assert data["claim_status"] == "pending"
    assert data["customer_id"].startswith("ck_")
    assert data["role"] == "owner"
    cookie = response.headers["set-cookie"]
    assert "clawscale_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "password" not in response.text
    [mail] = resend.emails_to("ada@example.com")
    assert mail["subject"] == "Verify your email"
    assert resend.last_link_to("ada@example.com").startswith(
        "http://localhost:4040/auth/verify-email?"
    )


def test_display_name_alias_is_accepted(client):
    response = client.post(
        "/api/auth/register",
        json={"displayName": "Bo", "email": "bo@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    assert response.json()["data"]["display_name"] == "Bo"


def test_following_the_mailed_link_verifies_once(client, resend):
    token = register(client).json()["data"]["token"]
    params = link_params(resend.last_link_to("ada@example.com"))
    verified = client.post("/api/auth/verify-email", json=params)
    assert verified.status_code == 200
    assert verified.json()["data"]["claim_status"] == "active"
    me = client.get("/api/auth/me", headers=bearer(token)).json()["data"]
    assert me["email_verified"] is True
    assert me["claim_status"] == "active"
    again = client.post("/api/auth/verify-email", json=params)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_token"


def test_expired_or_foreign_verification_tokens_are_refused(client, resend, session):
    register(client)
    register(client, email="eve@example.com")
    ada = link_params(resend.last_link_to("ada@example.com"))
    wrong_person = client.post(
        "/api/auth/verify-email", json={"email": "eve@example.com", "token": ada["token"]}
    )
    assert wrong_person.status_code == 400
    eve = link_params(resend.last_link_to("eve@example.com"))
    for row in session.exec(select(OneTimeToken)).all():
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    session.commit()
    expired = client.post("/api/auth/verify-email", json=eve)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_token"
    session.expire_all()
    assert session.exec(select(Identity).where(Identity.claim_status == "active")).all() == []


def test_without_a_resend_key_mail_is_kept_for_the_development_mailbox(client, session):
    register(client)
    [kept] = session.exec(select(EmailMessage)).all()
    assert kept.status == "kept"
    assert kept.recipient == "ada@example.com"
    assert "/auth/verify-email?" in kept.text


def test_duplicate_email_is_refused_whatever_its_case(client, session):
    assert register(client).status_code == 201
    duplicate = register(client, email="ADA@example.COM")
    assert duplicate.status_code == 409
    assert duplicate.json() == {
        "ok": False,
        "error": "email_already_exists",
        "message": "An account with this email already exists.",
    }
    assert count(session, Identity) == 1
    assert count(session, Customer) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"display_name": "Ada", "email": "ada@example.com"},
        {"display_name": "Ada", "email": "ada@example.com", "password": "short"},
        {"display_name": "Ada", "email": "not-an-email", "password": PASSWORD},
        {"display_name": ["Ada"], "email": "ada@example.com", "password": PASSWORD},
        {"display_name": "Ada", "email": 42, "password": PASSWORD},
        [],
    ],
)
def test_bad_register_bodies_answer_invalid_body_and_change_nothing(client, session, body):
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert "Traceback" not in response.text
    assert count(session, Identity) == 0


def test_non_json_and_huge_bodies_are_refused(client, session):
    not_json = client.post(
        "/api/auth/register", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["error"] == "invalid_body"
    huge = client.post(
        "/api/auth/register",
        json={"display_name": "x" * (1024 * 1024), "email": "a@b.co", "password": PASSWORD},
    )
    assert huge.status_code == 413
    assert huge.json()["error"] == "payload_too_large"
    assert count(session, Identity) == 0


def test_login_gives_a_session_usable_as_bearer_and_as_cookie(client):
    register(client)
    client.cookies.clear()
    response = client.post(
        "/api/auth/login", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["data"]["token"]
    by_cookie = client.get("/api/auth/me")
    assert by_cookie.status_code == 200
    client.cookies.clear()
    by_bearer = client.get("/api/auth/me", headers=bearer(token))
    assert by_bearer.status_code == 200
    me = by_bearer.json()["data"]
    assert me["email"] == "ada@example.com"
    assert me["email_verified"] is False
    assert me["subscription_active"] is True
    assert "token" not in me


def test_every_login_failure_looks_the_same(client):
    register(client)
    wrong_password = client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "wrong password"}
    )
    unknown = client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.json() == unknown.json()
    assert unknown.json()["error"] == "invalid_credentials"


def test_me_needs_a_live_customer_session(client, session):
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer"}).status_code == 401
    assert client.get("/api/auth/me", headers=bearer("not.a.jwt")).status_code == 401
    identity_id = register(client).json()["data"]["identity_id"]
    client.cookies.clear()
    admin_token = issue_session(
        session, SessionSubject.ADMIN, identity_id, Settings().ADMIN_JWT_SECRET
    ).token
    session.commit()
    forged = issue_session(session, SessionSubject.CUSTOMER, identity_id, "another-secret").token
    session.commit()
    for token in (admin_token, forged):
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_logout_really_logs_out(client):
    token = register(client).json()["data"]["token"]
    client.cookies.clear()
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(client, resend):
    register(client)
    known = client.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    unknown = client.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert [mail["subject"] for mail in resend.emails_to("ada@example.com")][-1] == (
        "Reset your password"
    )
    assert resend.emails_to("nobody@example.com") == []


def test_resend_verification_is_neutral_and_mails_only_the_unverified(client, resend):
    register(client)
    known = client.post("/api/auth/resend-verification", json={"email": "ada@example.com"})
    unknown = client.post("/api/auth/resend-verification", json={"email": "x@example.com"})
    assert known.json() == unknown.json()
    assert len(resend.emails_to("ada@example.com")) == 2
    client.post("/api/auth/verify-email", json=link_params(resend.last_link_to("ada@example.com")))
    client.post("/api/auth/resend-verification", json={"email": "ada@example.com"})
    assert len(resend.emails_to("ada@example.com")) == 2


def test_password_reset_ends_earlier_sessions_and_works_once(client, resend):
    old_token = register(client).json()["data"]["token"]
    client.cookies.clear()
    client.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    token = link_params(resend.last_link_to("ada@example.com"))["token"]
    reset = client.post(
        "/api/auth/reset-password", json={"token": token, "password": "a brand new password"}
    )
    assert reset.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(old_token)).status_code == 401
    old_login = client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert old_login.status_code == 401
    new_login = client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "a brand new password"}
    )
    assert new_login.status_code == 200
    reused = client.post(
        "/api/auth/reset-password", json={"token": token, "password": "yet another password"}
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_token"


def _unclaimed_customer(session):
    identity = Identity(display_name="Chat user", claim_status=ClaimStatus.UNCLAIMED)
    customer = Customer(display_name="Chat user")
    session.add(identity)
    session.add(customer)
    session.commit()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()
    return identity


def test_claim_takes_an_unclaimed_identity_to_active(client, resend, session):
    identity = _unclaimed_customer(session)
    entry = claim_entry_token(Settings(), identity.id)
    requested = client.post(
        "/api/auth/claim/request",
        json={"entry_token": entry, "email": "chat@example.com", "next": "https://evil.example/"},
    )
    assert requested.status_code == 200
    assert requested.json()["data"]["claim_status"] == "pending"
    params = link_params(resend.last_link_to("chat@example.com"))
    assert params["next"] == "/account"
    claimed = client.post(
        "/api/auth/claim", json={"token": params["token"], "password": "my chat password"}
    )
    assert claimed.status_code == 200
    data = claimed.json()["data"]
    assert data["claim_status"] == "active"
    assert data["identity_id"] == identity.id
    login = client.post(
        "/api/auth/login", json={"email": "chat@example.com", "password": "my chat password"}
    )
    assert login.status_code == 200
    again = client.post("/api/auth/claim", json={"token": params["token"], "password": "x" * 9})
    assert again.status_code == 400


def test_claim_request_refuses_bad_entry_tokens_and_taken_emails(client, session):
    identity = _unclaimed_customer(session)
    bad = client.post(
        "/api/auth/claim/request", json={"entry_token": "forged", "email": "c@example.com"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_token"
    register(client, email="taken@example.com")
    taken = client.post(
        "/api/auth/claim/request",
        json={
            "entry_token": claim_entry_token(Settings(), identity.id),
            "email": "taken@example.com",
        },
    )
    assert taken.status_code == 409
    assert taken.json()["error"] == "email_already_exists"
    session.expire_all()
    assert session.get(Identity, identity.id).claim_status == "unclaimed"


def test_simultaneous_registrations_of_one_email_make_one_account(api_url, client, session):
    statuses: list[int] = []

    def attempt() -> None:
        with httpx.Client(base_url=api_url, timeout=30) as own:
            statuses.append(register(own).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7
    assert count(session, Identity) == 1
    assert count(session, Customer) == 1


def test_text_the_database_cannot_hold_is_refused_cleanly(client, session):
    response = client.post("/api/auth/login", json={"email": "\x00", "password": "x"})
    assert response.status_code in (400, 401)
    assert response.json()["ok"] is False
