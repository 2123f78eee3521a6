"""`/api/admin`: sign-in, sessions and admin accounts, over real HTTP on both databases."""

import threading
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlmodel import col, select, update

from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.accounts.sessions import ADMIN_COOKIE, ALGORITHM, AUDIENCES, issue_session
from clawscale.models import AdminAccount, AuditLog, AuthSession, SessionSubject
from clawscale.models.base import utcnow
from clawscale.settings import Environment, get_settings

PASSWORD = "correct horse"
PRODUCTION_SECRET = "production-admin-secret-of-32-bytes"
ADMIN_FIELDS = {"id", "email", "is_active", "last_login_at", "created_at"}
PROTECTED = [
    ("POST", "/api/admin/logout"),
    ("GET", "/api/admin/session"),
    ("GET", "/api/admin/admins"),
    ("POST", "/api/admin/admins"),
    ("DELETE", "/api/admin/admins/adm_000000000000000000000000"),
]


def make_admin(session, email, *, active=True):
    admin = create_admin(session, email, PASSWORD)
    admin.is_active = active
    session.commit()
    return admin


def login(client, email, password=PASSWORD):
    return client.post("/api/admin/login", json={"email": email, "password": password})


def sign_in(client, email):
    """Bearer headers for `email`'s new session; the client keeps no cookie."""
    response = login(client, email)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return bearer(response.json()["data"]["token"])


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def rows(session, model, *where):
    """Fresh rows of `model`, as the API committed them."""
    query = select(model).where(*where).execution_options(populate_existing=True)
    return list(session.exec(query))


def audit_actions(session):
    return list(session.exec(select(AuditLog.action).order_by(col(AuditLog.created_at))))


def active_count(session):
    return len(rows(session, AdminAccount, col(AdminAccount.is_active)))


def set_cookie_header(response):
    return response.headers["set-cookie"].lower()


# Sign-in


def test_login_answers_a_token_and_sets_the_session_cookie(client, session):
    admin = make_admin(session, "ops@example.com")
    response = login(client, " OPS@example.com ")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["data"]) == {"token", "expires_at", "admin"}
    assert set(body["data"]["admin"]) == ADMIN_FIELDS
    assert body["data"]["admin"]["email"] == "ops@example.com"
    assert body["data"]["admin"]["last_login_at"] is not None
    assert "hash" not in response.text and PASSWORD not in response.text
    cookie = set_cookie_header(response)
    assert cookie.startswith(f"{ADMIN_COOKIE}={body['data']['token']}".lower())
    for attribute in ("httponly", "samesite=lax", "path=/", "max-age=604800"):
        assert attribute in cookie
    assert "secure" not in cookie
    [stored] = rows(session, AdminAccount)
    assert stored.last_login_at is not None
    assert audit_actions(session) == ["admin.login"]
    assert rows(session, AuditLog)[0].admin_id == admin.id


def test_the_token_works_as_bearer_and_as_cookie(client, session, api_url):
    make_admin(session, "ops@example.com")
    token = login(client, "ops@example.com").json()["data"]["token"]
    assert client.get("/api/admin/session").status_code == 200
    client.cookies.clear()
    assert client.get("/api/admin/session").status_code == 401
    answer = client.get("/api/admin/session", headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json()["data"]["admin"]["email"] == "ops@example.com"
    assert set(answer.json()["data"]) == {"admin", "expires_at"}
    with httpx.Client(base_url=api_url, cookies={ADMIN_COOKIE: token}) as browser:
        assert browser.get("/api/admin/session").status_code == 200


def test_production_cookie_is_secure_and_signed_with_the_configured_secret(
    client, session, use_settings
):
    use_settings(CLAWSCALE_ENV=Environment.PRODUCTION, ADMIN_JWT_SECRET=PRODUCTION_SECRET)
    make_admin(session, "ops@example.com")
    response = login(client, "ops@example.com")
    assert "secure" in set_cookie_header(response)
    token = response.json()["data"]["token"]
    audience = AUDIENCES[SessionSubject.ADMIN]
    jwt.decode(token, PRODUCTION_SECRET, algorithms=[ALGORITHM], audience=audience)
    assert client.get("/api/admin/session", headers=bearer(token)).status_code == 200


def test_wrong_password_unknown_email_and_inactive_admin_get_the_same_401(client, session):
    make_admin(session, "ops@example.com")
    make_admin(session, "gone@example.com", active=False)
    answers = [
        login(client, "ops@example.com", "wrong password"),
        login(client, "nobody@example.com"),
        login(client, "gone@example.com"),
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert all(answer.json() == answers[0].json() for answer in answers)
    assert answers[0].json()["error"] == "invalid_credentials"
    assert not any("set-cookie" in answer.headers for answer in answers)
    assert rows(session, AuthSession) == []
    assert audit_actions(session) == []
    assert all(admin.last_login_at is None for admin in rows(session, AdminAccount))


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "ops@example.com"}, {"email": 7, "password": PASSWORD}, "not json", [PASSWORD]],
)
def test_login_with_a_bad_body_is_400(client, body):
    send = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post("/api/admin/login", **send)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


# Sign-out


def test_logout_revokes_the_session_and_clears_the_cookie(client, session):
    make_admin(session, "ops@example.com")
    token = login(client, "ops@example.com").json()["data"]["token"]
    response = client.post("/api/admin/logout")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "data": {}}
    cookie = set_cookie_header(response)
    assert cookie.startswith(f'{ADMIN_COOKIE}=""') and "max-age=0" in cookie
    for method, path in PROTECTED:
        answer = client.request(method, path, headers=bearer(token), json={})
        assert answer.status_code == 401
        assert answer.json() == {"ok": False, "error": "unauthorized"}
    [row] = rows(session, AuthSession)
    assert row.revoked_at is not None
    assert audit_actions(session) == ["admin.login", "admin.logout"]


def test_logout_ends_only_its_own_session(client, session):
    make_admin(session, "ops@example.com")
    first, second = sign_in(client, "ops@example.com"), sign_in(client, "ops@example.com")
    assert client.post("/api/admin/logout", headers=first).status_code == 200
    assert client.get("/api/admin/session", headers=first).status_code == 401
    assert client.get("/api/admin/session", headers=second).status_code == 200


# Tokens that are not an admin's live session


def customer_token(session, admin):
    secret = get_settings().CUSTOMER_JWT_SECRET
    return issue_session(session, SessionSubject.CUSTOMER, admin.id, secret).token


def customer_token_signed_with_the_admin_secret(session, admin):
    secret = get_settings().ADMIN_JWT_SECRET
    return issue_session(session, SessionSubject.CUSTOMER, admin.id, secret).token


def wrong_secret_token(session, admin):
    return issue_session(
        session, SessionSubject.ADMIN, admin.id, "not-the-admin-secret-but-32-bytes-long"
    ).token


def expired_token(session, admin):
    issued = issue_session(session, SessionSubject.ADMIN, admin.id, get_settings().ADMIN_JWT_SECRET)
    claims = {
        "sub": admin.id,
        "sid": issued.session.id,
        "aud": AUDIENCES[SessionSubject.ADMIN],
        "exp": int((utcnow() - timedelta(minutes=1)).timestamp()),
    }
    return jwt.encode(claims, get_settings().ADMIN_JWT_SECRET, algorithm=ALGORITHM)


REJECTED = {
    "customer token": lambda session, admin: bearer(customer_token(session, admin)),
    "customer token in the admin cookie": lambda session, admin: {
        "Cookie": f"{ADMIN_COOKIE}={customer_token(session, admin)}"
    },
    "customer token, admin secret": lambda session, admin: bearer(
        customer_token_signed_with_the_admin_secret(session, admin)
    ),
    "wrong secret": lambda session, admin: bearer(wrong_secret_token(session, admin)),
    "expired": lambda session, admin: bearer(expired_token(session, admin)),
    "no header": lambda session, admin: {},
    # HTTP strips a header value's trailing space, so "Bearer " arrives as "Bearer".
    "empty bearer": lambda session, admin: {"Authorization": "Bearer"},
    "basic scheme": lambda session, admin: {"Authorization": "Basic b3BzOnBhc3M="},
    "not a jwt": lambda session, admin: {"Authorization": "Bearer not-a-token"},
}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("case", REJECTED)
def test_admin_routes_reject_anything_but_a_live_admin_session(client, session, method, path, case):
    admin = make_admin(session, "ops@example.com")
    headers = REJECTED[case](session, admin)
    session.commit()
    body = {"email": "new@example.com", "password": PASSWORD}
    response = client.request(method, path, headers=headers, json=body)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "unauthorized"}
    assert [admin.email for admin in rows(session, AdminAccount)] == ["ops@example.com"]


# Listing


def test_admins_are_listed_oldest_first_a_page_at_a_time(client, session):
    emails = [f"admin{index}@example.com" for index in range(3)]
    start = utcnow() - timedelta(hours=1)
    for index, email in enumerate(reversed(emails)):
        admin = make_admin(session, email)
        admin.created_at = start - timedelta(minutes=index)
        session.commit()
    headers = sign_in(client, emails[0])
    first = client.get("/api/admin/admins", params={"limit": 2}, headers=headers).json()["data"]
    second = client.get("/api/admin/admins?limit=2&offset=2", headers=headers).json()["data"]
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [item["email"] for item in first["items"] + second["items"]] == emails
    assert all(set(item) == ADMIN_FIELDS for item in first["items"])
    assert (second["total"], second["offset"]) == (3, 2)
    default = client.get("/api/admin/admins", headers=headers).json()["data"]
    assert (default["limit"], len(default["items"])) == (50, 3)


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=ten", "offset=-1", "page=2", "limit=5&sort=email"]
)
def test_listing_rejects_bad_and_unknown_query_parameters(client, session, query):
    make_admin(session, "ops@example.com")
    response = client.get(f"/api/admin/admins?{query}", headers=sign_in(client, "ops@example.com"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"


@pytest.mark.parametrize("limit", [1, 200])
def test_listing_accepts_the_limit_bounds(client, session, limit):
    make_admin(session, "ops@example.com")
    headers = sign_in(client, "ops@example.com")
    response = client.get("/api/admin/admins", params={"limit": limit}, headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]["limit"] == limit


# Creating


def test_creating_an_admin_answers_201_and_audits_it(client, session):
    creator = make_admin(session, "ops@example.com")
    headers = sign_in(client, "ops@example.com")
    response = client.post(
        "/api/admin/admins",
        headers=headers,
        json={"email": "New@Example.com", "password": "s3cret-pass"},
    )
    assert response.status_code == 201
    created = response.json()["data"]["admin"]
    assert set(created) == ADMIN_FIELDS
    assert (created["email"], created["is_active"], created["last_login_at"]) == (
        "new@example.com",
        True,
        None,
    )
    assert "s3cret-pass" not in response.text and "hash" not in response.text
    [entry] = rows(session, AuditLog, AuditLog.action == "admin.create")
    assert (entry.admin_id, entry.target_id) == (creator.id, created["id"])
    assert entry.details == {"email": "new@example.com"}
    assert login(client, "new@example.com", "s3cret-pass").status_code == 200


def test_creating_a_duplicate_email_in_any_case_is_409(client, session):
    make_admin(session, "ops@example.com")
    headers = sign_in(client, "ops@example.com")
    body = {"email": " OPS@Example.COM ", "password": "another pass"}
    response = client.post("/api/admin/admins", headers=headers, json=body)
    assert response.status_code == 409
    assert response.json()["error"] == "admin_already_exists"
    assert len(rows(session, AdminAccount)) == 1
    assert audit_actions(session) == ["admin.login"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "new@example.com"},
        {"password": PASSWORD},
        {"email": 42, "password": PASSWORD},
        {"email": "new@example.com", "password": 12345678},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "new@exa mple.com", "password": PASSWORD},
        {"email": f"{'x' * 320}@example.com", "password": PASSWORD},
        {"email": "new@example.com", "password": "short"},
        "not json",
        "",
        [{"email": "new@example.com", "password": PASSWORD}],
    ],
)
def test_creating_with_a_bad_body_is_400_and_changes_nothing(client, session, body):
    make_admin(session, "ops@example.com")
    headers = sign_in(client, "ops@example.com")
    send = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post("/api/admin/admins", headers=headers, **send)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert response.json().get("message")
    assert len(rows(session, AdminAccount)) == 1
    assert audit_actions(session) == ["admin.login"]


# Removing


def test_removing_an_admin_who_never_acted_deletes_the_row(client, session):
    make_admin(session, "ops@example.com")
    other = make_admin(session, "other@example.com")
    headers = sign_in(client, "ops@example.com")
    response = client.delete(f"/api/admin/admins/{other.id}", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "data": {"id": other.id, "outcome": "deleted"}}
    assert [admin.email for admin in rows(session, AdminAccount)] == ["ops@example.com"]
    [entry] = rows(session, AuditLog, AuditLog.action == "admin.deleted")
    assert (entry.target_id, entry.details) == (other.id, {"email": "other@example.com"})


def test_removing_an_audited_admin_deactivates_it_and_ends_its_sessions(client, session):
    make_admin(session, "ops@example.com")
    other = make_admin(session, "other@example.com")
    other_headers = sign_in(client, "other@example.com")
    headers = sign_in(client, "ops@example.com")
    response = client.delete(f"/api/admin/admins/{other.id}", headers=headers)
    assert response.status_code == 200
    assert response.json()["data"]["outcome"] == "deactivated"
    assert client.get("/api/admin/session", headers=other_headers).status_code == 401
    assert login(client, "other@example.com").json()["error"] == "invalid_credentials"
    [stored] = rows(session, AdminAccount, AdminAccount.id == other.id)
    assert stored.is_active is False
    assert all(
        row.revoked_at for row in rows(session, AuthSession, AuthSession.subject_id == other.id)
    )
    listed = client.get("/api/admin/admins", headers=headers).json()["data"]["items"]
    assert {item["email"]: item["is_active"] for item in listed} == {
        "ops@example.com": True,
        "other@example.com": False,
    }
    assert "admin.deactivated" in audit_actions(session)


def test_removing_an_unknown_admin_is_404(client, session):
    make_admin(session, "ops@example.com")
    response = client.delete(
        "/api/admin/admins/adm_missing", headers=sign_in(client, "ops@example.com")
    )
    assert response.status_code == 404
    assert response.json()["error"] == "admin_not_found"


def test_removing_oneself_is_422(client, session):
    me = make_admin(session, "ops@example.com")
    make_admin(session, "other@example.com")
    headers = sign_in(client, "ops@example.com")
    response = client.delete(f"/api/admin/admins/{me.id}", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "cannot_delete_self"
    assert client.get("/api/admin/session", headers=headers).status_code == 200


def test_the_last_active_admin_cannot_be_removed(client, session):
    me = make_admin(session, "ops@example.com")
    retired = make_admin(session, "retired@example.com", active=False)
    headers = sign_in(client, "ops@example.com")
    response = client.delete(f"/api/admin/admins/{me.id}", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "cannot_delete_last_active_admin"
    assert active_count(session) == 1
    assert client.delete(f"/api/admin/admins/{retired.id}", headers=headers).status_code == 200
    assert active_count(session) == 1


def test_concurrent_mutual_removals_never_leave_zero_active_admins(client, api_url, session):
    for round_number in range(10):
        session.exec(update(AdminAccount).values(is_active=False))
        session.commit()
        first = make_admin(session, f"a{round_number}@example.com")
        second = make_admin(session, f"b{round_number}@example.com")
        with httpx.Client(base_url=api_url, timeout=30) as other_client:
            statuses = mutual_removal([client, other_client], [first, second])
        assert sorted(statuses) in ([200, 401], [200, 422]), statuses
        assert active_count(session) == 1


def mutual_removal(clients, admins):
    """Each admin, on its own connection, removes the other at the same moment; the statuses."""
    headers = [sign_in(client, admin.email) for client, admin in zip(clients, admins, strict=True)]
    start = threading.Barrier(len(admins))
    statuses = {}

    def remove(index):
        target = admins[1 - index]
        start.wait()
        response = clients[index].delete(f"/api/admin/admins/{target.id}", headers=headers[index])
        statuses[index] = response.status_code

    threads = [threading.Thread(target=remove, args=(index,)) for index in range(len(admins))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return list(statuses.values())
