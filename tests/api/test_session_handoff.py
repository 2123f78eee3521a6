"""The page-to-cookie session handoff and the sign-out redirect, over real HTTP."""

import json
import time

from cryptography.fernet import Fernet

from clawscale.crypto import fernet_for
from clawscale.domain.accounts.session_handoff import handoff_code
from clawscale.domain.accounts.sessions import issue_session, revoke_session
from clawscale.models import SessionSubject
from clawscale.settings import Settings

SETTINGS = Settings(_env_file=None)


def customer_session(session, subject_id="idn_someone"):
    issued = issue_session(
        session, SessionSubject.CUSTOMER, subject_id, SETTINGS.CUSTOMER_JWT_SECRET
    )
    session.commit()
    return issued


def test_a_fresh_code_sets_the_http_only_cookie_and_returns_to_the_page(client, session):
    issued = customer_session(session)
    code = handoff_code(SETTINGS, SessionSubject.CUSTOMER, issued.token)
    response = client.get(
        "/api/auth/handoff", params={"code": code, "next": "/channels"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "http://localhost:4040/channels"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"clawscale_session={issued.token};")
    assert "HttpOnly" in cookie


def test_admin_codes_set_the_admin_cookie(client, session):
    issued = issue_session(session, SessionSubject.ADMIN, "adm_x", SETTINGS.ADMIN_JWT_SECRET)
    session.commit()
    code = handoff_code(SETTINGS, SessionSubject.ADMIN, issued.token)
    response = client.get("/api/auth/handoff", params={"code": code}, follow_redirects=False)
    assert response.headers["set-cookie"].startswith("clawscale_admin_session=")
    assert response.headers["location"] == "http://localhost:4040/account"


def test_offsite_next_paths_are_replaced(client, session):
    code = handoff_code(SETTINGS, SessionSubject.CUSTOMER, customer_session(session).token)
    for next_path in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.get(
            "/api/auth/handoff", params={"code": code, "next": next_path}, follow_redirects=False
        )
        assert response.headers["location"] == "http://localhost:4040/account"


def test_forged_stale_and_revoked_codes_are_refused(client, session):
    issued = customer_session(session)
    payload = json.dumps({"kind": "customer", "token": issued.token}).encode()
    stale = fernet_for(SETTINGS.CLAWSCALE_SECRET_KEY).encrypt_at_time(
        payload, int(time.time()) - 61
    )
    forged = Fernet(Fernet.generate_key()).encrypt(payload)
    for code in (stale.decode(), forged.decode(), "garbage"):
        response = client.get("/api/auth/handoff", params={"code": code}, follow_redirects=False)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_token"
        assert "set-cookie" not in response.headers
    revoke_session(session, issued.session)
    session.commit()
    code = handoff_code(SETTINGS, SessionSubject.CUSTOMER, issued.token)
    assert client.get("/api/auth/handoff", params={"code": code}).status_code == 400


def test_signed_out_clears_both_cookies(client):
    response = client.get("/api/auth/signed-out", params={"next": "/"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "http://localhost:4040/"
    cleared = response.headers.get_list("set-cookie")
    assert any(c.startswith('clawscale_session="";') for c in cleared)
    assert any(c.startswith('clawscale_admin_session="";') for c in cleared)


def test_signed_out_can_clear_one_kind_only(client):
    response = client.get(
        "/api/auth/signed-out",
        params={"next": "/admin/login", "kind": "admin"},
        follow_redirects=False,
    )
    cleared = response.headers.get_list("set-cookie")
    assert [c.split("=")[0] for c in cleared] == ["clawscale_admin_session"]
    bad = client.get("/api/auth/signed-out", params={"kind": "root"}, follow_redirects=False)
    assert bad.status_code == 400
