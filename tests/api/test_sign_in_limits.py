"""Sign-in limits over real HTTP: per client address and per (address, email), never per email
alone; the client's address read from X-Forwarded-For / Forwarded only behind a trusted proxy;
repeated wrong answers slowed down."""

import time

import pytest

from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.rate_limits import SignInLimiter

PASSWORD = "correct horse battery"
PER_ADDRESS_EMAIL = 4


@pytest.fixture
def small_limits(client, api_app):
    """The API's sign-in limiter with small limits for this test: 8 per address, 4 per
    (address, email) a minute."""
    shared = api_app.state.sign_in_limiter
    api_app.state.sign_in_limiter = SignInLimiter("8/minute", f"{PER_ADDRESS_EMAIL}/minute")
    yield
    api_app.state.sign_in_limiter = shared


@pytest.fixture
def ada(client):
    response = client.post(
        "/api/auth/register",
        json={"display_name": "Ada", "email": "ada@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201


def customer_login(client, password, headers=None, email="ada@example.com"):
    return client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers or {}
    )


def forwarded_for(chain):
    return {"X-Forwarded-For": chain}


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(client, ada, small_limits):
    answers = [
        customer_login(client, "wrong", forwarded_for(f"198.51.100.{n}"))
        for n in range(PER_ADDRESS_EMAIL + 1)
    ]
    assert [a.status_code for a in answers] == [401] * PER_ADDRESS_EMAIL + [429]
    assert answers[-1].json()["error"] == "rate_limited"
    assert int(answers[-1].headers["retry-after"]) >= 1


def test_behind_a_trusted_proxy_its_x_forwarded_for_chain_is_honoured(
    client, ada, small_limits, use_settings
):
    use_settings(TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    stranger = forwarded_for("203.0.113.9, 10.0.0.5")
    for _ in range(PER_ADDRESS_EMAIL):
        assert customer_login(client, "wrong", stranger).status_code == 401
    assert customer_login(client, "wrong", stranger).status_code == 429
    forging_owner = forwarded_for("198.51.100.7, 203.0.113.9, 10.0.0.5")
    assert customer_login(client, PASSWORD, forging_owner).status_code == 429
    owner = forwarded_for("198.51.100.7, 10.0.0.5")
    assert customer_login(client, PASSWORD, owner).status_code == 200


def test_behind_a_trusted_proxy_its_forwarded_header_is_honoured(
    client, ada, small_limits, use_settings
):
    use_settings(TRUSTED_PROXIES="127.0.0.1", TRUSTED_PROXY_HEADER="forwarded")
    stranger = {
        "Forwarded": 'for=192.0.2.1;proto=https, for="[2001:db8::7]:443"',
        "X-Forwarded-For": "198.51.100.7",
    }
    for _ in range(PER_ADDRESS_EMAIL):
        assert customer_login(client, "wrong", stranger).status_code == 401
    assert customer_login(client, PASSWORD, stranger).status_code == 429
    owner = {"Forwarded": "for=198.51.100.7;proto=https"}
    assert customer_login(client, PASSWORD, owner).status_code == 200


def test_strangers_elsewhere_never_lock_the_owner_out(client, ada, use_settings):
    use_settings(TRUSTED_PROXIES="127.0.0.1")
    for n in range(5):
        for _ in range(3):
            answer = customer_login(client, "wrong", forwarded_for(f"203.0.113.{n}"))
            assert answer.status_code == 401
    owner = customer_login(client, PASSWORD, forwarded_for("198.51.100.7"))
    assert owner.status_code == 200


def test_admin_sign_in_is_limited_per_address_and_email_not_per_email(
    client, session, small_limits, use_settings
):
    use_settings(TRUSTED_PROXIES="127.0.0.1")
    create_admin(session, "ops@example.com", PASSWORD)
    session.commit()

    def admin_login(password, address, email="ops@example.com"):
        return client.post(
            "/api/admin/login",
            json={"email": email, "password": password},
            headers=forwarded_for(address),
        )

    for _ in range(PER_ADDRESS_EMAIL):
        assert admin_login("wrong password", "203.0.113.9").status_code == 401
    assert admin_login(PASSWORD, "203.0.113.9").status_code == 429
    assert admin_login("wrong password", "203.0.113.9", "other@example.com").status_code == 401
    assert admin_login(PASSWORD, "198.51.100.7").status_code == 200


def test_the_fourth_wrong_answer_in_a_row_is_held_back(client, ada, small_limits):
    for _ in range(3):
        assert customer_login(client, "wrong").status_code == 401
    started = time.monotonic()
    assert customer_login(client, "wrong").status_code == 401
    assert time.monotonic() - started >= 0.5


def test_mail_sending_keeps_its_limit_per_email_across_addresses(client, use_settings):
    use_settings(TRUSTED_PROXIES="127.0.0.1")
    answers = [
        client.post(
            "/api/auth/forgot-password",
            json={"email": "ada@example.com"},
            headers=forwarded_for(f"203.0.113.{n}"),
        )
        for n in range(11)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
