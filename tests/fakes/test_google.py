"""The fake Google runs the OAuth 2.0 code flow with PKCE and serves the primary calendar over
real HTTP, answering failures in Google's wire formats."""

from collections.abc import Iterator
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakes.google import FakeGoogle, calendar_event, decode_form, fake_google

CLIENT_ID = "42-gateway.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-gateway-secret"
REDIRECT_URI = "http://127.0.0.1:8000/integrations/google/callback"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
SCOPES = f"openid email {CALENDAR_SCOPE}"
# A PKCE verifier and its S256 challenge, computed independently of the fake:
# printf %s "$VERIFIER" | openssl dgst -sha256 -binary | base64 | tr "+/" "-_" | tr -d "="
VERIFIER = "dBjftJeZ4CVP-mJ92OtZIC4X6LcT47ldHdnQ-JOTUrk"
CHALLENGE = "knQ-_ehSGG9x7LRTI9kPX__SdkhxqGjXKaB3gKgbEo4"
AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with fake_google(CLIENT_ID, CLIENT_SECRET, redirect_uris=[REDIRECT_URI]) as fake:
        yield fake


def authorize(google: FakeGoogle, **overrides: str | None) -> httpx.Response:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPES,
        "state": "state-1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "include_granted_scopes": "true",
        "prompt": "consent",
        **overrides,
    }
    sent = {name: value for name, value in params.items() if value is not None}
    return httpx.get(google.authorize_url, params=sent)


def redirected_to(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    """The redirect target without its query, and the query."""
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    return f"{target.scheme}://{target.netloc}{target.path}", parse_qs(target.query)


def new_code(google: FakeGoogle, **overrides: str | None) -> str:
    _, query = redirected_to(authorize(google, **overrides))
    return query["code"][0]


def exchange(google: FakeGoogle, code: str, /, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return httpx.post(google.token_url, data=form)


def connect(google: FakeGoogle, **overrides: str | None) -> dict:
    response = exchange(google, new_code(google, **overrides))
    assert response.status_code == 200
    return response.json()


def refresh(google: FakeGoogle, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return httpx.post(google.token_url, data=form)


def calendar_get(
    google: FakeGoogle, path: str, token: str | None, **params: str | int
) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{google.calendar_api_url}{path}", params=params, headers=headers)


def list_events(google: FakeGoogle, token: str, **params: str | int) -> httpx.Response:
    return calendar_get(google, "/calendars/primary/events", token, **params)


def google_error(code: int, status: str | None, message: str, item: dict) -> dict:
    body = {"code": code, "message": message, "errors": [item]}
    return {"error": body | ({"status": status} if status else {})}


def test_the_code_flow_with_pkce_gives_tokens_that_read_the_calendar_in_pages():
    events = [
        calendar_event(f"Meeting {n}", datetime(2025, 3, n, 9), datetime(2025, 3, n, 10))
        for n in range(1, 4)
    ]
    with fake_google(
        CLIENT_ID, CLIENT_SECRET, email="ada@example.com", time_zone="UTC", events=events
    ) as google:
        target, query = redirected_to(authorize(google))
        [issued] = google.codes_issued
        assert target == REDIRECT_URI
        assert query == {"code": [issued.code], "state": ["state-1"], "scope": [SCOPES]}
        assert (issued.client_id, issued.redirect_uri) == (CLIENT_ID, REDIRECT_URI)
        assert (issued.code_challenge, issued.scopes) == (CHALLENGE, SCOPES.split())

        answer = exchange(google, issued.code)
        [token] = google.tokens_issued
        assert answer.status_code == 200
        assert answer.json() == {
            "access_token": token.access_token,
            "expires_in": 3599,
            "refresh_token": token.grant.refresh_token,
            "scope": SCOPES,
            "token_type": "Bearer",
        }
        assert decode_form(google.token_requests[0].body.decode())["code_verifier"] == VERIFIER

        entry = calendar_get(google, "/users/me/calendarList/primary", token.access_token)
        first = list_events(google, token.access_token, maxResults=2)
        second = list_events(
            google, token.access_token, maxResults=2, pageToken=first.json()["nextPageToken"]
        )
        calls = google.calendar_requests

    assert entry.status_code == 200
    assert entry.json() | {"etag": "-"} == {
        "kind": "calendar#calendarListEntry",
        "etag": "-",
        "id": "ada@example.com",
        "summary": "ada@example.com",
        "timeZone": "UTC",
        "colorId": "14",
        "backgroundColor": "#9fe1e7",
        "foregroundColor": "#000000",
        "selected": True,
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        "primary": True,
    }
    assert first.status_code == second.status_code == 200
    page = first.json()
    assert page["kind"] == "calendar#events"
    assert (page["summary"], page["timeZone"]) == ("ada@example.com", "UTC")
    assert page["defaultReminders"] == [{"method": "popup", "minutes": 10}]
    assert page["items"] == events[:2]
    assert second.json()["items"] == events[2:]
    assert "nextPageToken" not in second.json()
    assert "nextSyncToken" in second.json()
    assert [call.bearer for call in calls] == [token.access_token] * 3
    assert calls[2].params == {"maxResults": "2", "pageToken": page["nextPageToken"]}


def test_client_credentials_may_come_as_http_basic_auth(google):
    form = {
        "grant_type": "authorization_code",
        "code": new_code(google),
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
    }
    answer = httpx.post(google.token_url, data=form, auth=(CLIENT_ID, CLIENT_SECRET))
    assert answer.status_code == 200
    assert answer.json()["access_token"] == google.tokens_issued[0].access_token


def test_without_offline_access_no_refresh_token_is_issued(google):
    answer = exchange(google, new_code(google, access_type=None))
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()
    assert google.tokens_issued[0].grant.refresh_token is None


def test_denied_consent_redirects_with_access_denied(google):
    google.consent = "deny"
    response = authorize(google)
    assert response.status_code == 302
    assert response.headers["location"] == f"{REDIRECT_URI}?error=access_denied&state=state-1"
    assert google.codes_issued == []


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_id": "someone-else.apps.googleusercontent.com"}, 401, "invalid_client"),
        ({"redirect_uri": "http://evil.example/callback"}, 400, "redirect_uri_mismatch"),
        ({"scope": None}, 400, "invalid_request"),
        ({"response_type": "token"}, 400, "unsupported_response_type"),
        ({"code_challenge": None}, 400, "invalid_request"),
        ({"code_challenge_method": "plain"}, 400, "invalid_request"),
    ],
)
def test_bad_authorization_requests_get_an_error_page_and_no_redirect(
    google, overrides, status, error
):
    response = authorize(google, **overrides)
    assert response.status_code == status
    assert "location" not in response.headers
    assert f"Error {status}: {error}" in response.text
    assert google.codes_issued == []


@pytest.mark.parametrize(
    ("overrides", "status", "body"),
    [
        (
            {"code_verifier": "a-different-verifier-of-enough-length-0123456789"},
            400,
            {"error": "invalid_grant", "error_description": "Bad Request"},
        ),
        (
            {"code_verifier": ""},
            400,
            {"error": "invalid_grant", "error_description": "Missing code verifier."},
        ),
        (
            {"redirect_uri": "http://127.0.0.1:8000/other"},
            400,
            {"error": "redirect_uri_mismatch", "error_description": "Bad Request"},
        ),
        (
            {"client_secret": "wrong"},
            401,
            {"error": "invalid_client", "error_description": "Unauthorized"},
        ),
        (
            {"client_id": "someone-else.apps.googleusercontent.com"},
            401,
            {"error": "invalid_client", "error_description": "The OAuth client was not found."},
        ),
        (
            {"client_id": ""},
            400,
            {
                "error": "invalid_request",
                "error_description": "Could not determine client ID from request.",
            },
        ),
        (
            {"code": "4/0Anever-issued"},
            400,
            {"error": "invalid_grant", "error_description": "Malformed auth code."},
        ),
        (
            {"grant_type": "password"},
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "Invalid grant_type: password",
            },
        ),
    ],
)
def test_bad_code_exchanges_get_googles_errors(google, overrides, status, body):
    answer = exchange(google, new_code(google), **overrides)
    assert answer.status_code == status
    assert answer.json() == body
    assert google.tokens_issued == []


def test_a_code_is_single_use(google):
    code = new_code(google)
    assert exchange(google, code).status_code == 200
    again = exchange(google, code)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "Bad Request"}
    assert len(google.tokens_issued) == 1


def test_an_expired_code_is_refused(google):
    google.code_lifetime = 0
    answer = exchange(google, new_code(google))
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_a_failed_exchange_leaves_the_code_usable(google):
    code = new_code(google)
    assert exchange(google, code, code_verifier="x" * 43).status_code == 400
    assert exchange(google, code).status_code == 200


def test_refresh_gives_a_new_working_access_token_after_expiry(google):
    tokens = connect(google)
    google.expire_access_tokens()
    expired = list_events(google, tokens["access_token"])
    answer = refresh(google, tokens["refresh_token"])
    renewed = answer.json()
    fresh = list_events(google, renewed["access_token"])
    unknown = refresh(google, "1//0never-issued")

    assert expired.status_code == 401
    assert answer.status_code == 200
    assert renewed == {
        "access_token": google.tokens_issued[1].access_token,
        "expires_in": 3599,
        "scope": SCOPES,
        "token_type": "Bearer",
    }
    assert renewed["access_token"] != tokens["access_token"]
    assert google.tokens_issued[1].grant_type == "refresh_token"
    assert fresh.status_code == 200
    assert unknown.status_code == 400
    assert unknown.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }


def test_revoking_a_token_ends_its_grant(google):
    tokens = connect(google)
    revoked = httpx.post(google.revoke_url, data={"token": tokens["refresh_token"]})
    again = httpx.post(google.revoke_url, params={"token": tokens["refresh_token"]})
    assert revoked.status_code == 200
    assert revoked.content == b""
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_token",
        "error_description": "Token expired or revoked",
    }
    assert list_events(google, tokens["access_token"]).status_code == 401
    assert refresh(google, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_calendar_requests_without_credentials_get_googles_401(google):
    response = list_events(google, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    assert response.json() == google_error(
        401,
        "UNAUTHENTICATED",
        f"Request is missing required authentication credential. {AUTH_HELP}",
        {
            "message": "Login Required.",
            "domain": "global",
            "reason": "required",
            "location": "Authorization",
            "locationType": "header",
        },
    )
    assert google.calendar_requests[0].bearer is None


@pytest.mark.parametrize("path", ["/users/me/calendarList/primary", "/calendars/primary/events"])
def test_calendar_requests_with_a_bad_token_get_googles_401(google, path):
    response = calendar_get(google, path, "ya29.not-a-token-the-fake-issued")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer realm="https://accounts.google.com/", error="invalid_token"'
    )
    assert response.json() == google_error(
        401,
        "UNAUTHENTICATED",
        f"Request had invalid authentication credentials. {AUTH_HELP}",
        {
            "message": "Invalid Credentials",
            "domain": "global",
            "reason": "authError",
            "location": "Authorization",
            "locationType": "header",
        },
    )
    assert google.calendar_requests[0].bearer == "ya29.not-a-token-the-fake-issued"


def test_a_token_without_a_calendar_scope_gets_403(google):
    tokens = connect(google, scope="openid email")
    response = list_events(google, tokens["access_token"])
    assert response.status_code == 403
    assert response.json() == google_error(
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        {
            "message": "Insufficient Permission",
            "domain": "global",
            "reason": "insufficientPermissions",
        },
    )


@pytest.mark.parametrize(
    ("failure", "status", "message", "item_message"),
    [
        (
            (403, "insufficientPermissions"),
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
            "Insufficient Permission",
        ),
        ((500, "backendError"), "INTERNAL", "Backend Error", "Backend Error"),
    ],
)
def test_the_calendar_failure_knob_answers_googles_error(
    google, failure, status, message, item_message
):
    tokens = connect(google)
    google.calendar_error = failure
    code, reason = failure
    for path in ["/users/me/calendarList/primary", "/calendars/primary/events"]:
        response = calendar_get(google, path, tokens["access_token"])
        assert response.status_code == code
        assert response.json() == google_error(
            code, status, message, {"message": item_message, "domain": "global", "reason": reason}
        )


def test_cancelled_events_are_listed_only_with_show_deleted():
    kept = calendar_event("Standup", date(2025, 3, 3), date(2025, 3, 4))
    cancelled = calendar_event(
        "Dropped", datetime(2025, 3, 5, 9), datetime(2025, 3, 5, 10), status="cancelled"
    )
    with fake_google(CLIENT_ID, CLIENT_SECRET, events=[kept, cancelled]) as google:
        token = connect(google)["access_token"]
        default = list_events(google, token)
        hidden = list_events(google, token, showDeleted="false")
        shown = list_events(google, token, showDeleted="true")
    assert default.json()["items"] == hidden.json()["items"] == [kept]
    assert shown.json()["items"] == [kept, cancelled]


def test_page_size_defaults_to_250_and_is_capped_at_2500():
    events = [{"id": f"e{n}", "status": "confirmed"} for n in range(2501)]
    with fake_google(CLIENT_ID, CLIENT_SECRET, events=events) as google:
        token = connect(google)["access_token"]
        default = list_events(google, token).json()
        capped = list_events(google, token, maxResults=5000).json()
    assert len(default["items"]) == 250
    assert len(capped["items"]) == 2500
    assert "nextPageToken" in default
    assert "nextPageToken" in capped


@pytest.mark.parametrize("params", [{"maxResults": 0}, {"pageToken": "not-one-we-issued"}])
def test_invalid_paging_gets_400(google, params):
    tokens = connect(google)
    response = list_events(google, tokens["access_token"], **params)
    assert response.status_code == 400
    assert response.json() == google_error(
        400,
        "INVALID_ARGUMENT",
        "Invalid Value",
        {"message": "Invalid Value", "domain": "global", "reason": "invalid"},
    )


def test_calendar_event_builds_timed_and_all_day_events():
    timed = calendar_event(
        "Review",
        datetime(2025, 7, 1, 9, 30),
        datetime(2025, 7, 1, 10),
        time_zone="Europe/Berlin",
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=TU"],
        organizer="ada@example.com",
        event_id="abc123def456",
    )
    all_day = calendar_event("Holiday", date(2025, 12, 25), date(2025, 12, 26))

    assert timed["id"] == "abc123def456"
    assert timed["status"] == "confirmed"
    assert timed["start"] == {"dateTime": "2025-07-01T09:30:00+02:00", "timeZone": "Europe/Berlin"}
    assert timed["end"] == {"dateTime": "2025-07-01T10:00:00+02:00", "timeZone": "Europe/Berlin"}
    assert timed["recurrence"] == ["RRULE:FREQ=WEEKLY;BYDAY=TU"]
    assert timed["reminders"] == {"useDefault": True}
    assert timed["organizer"] == {"email": "ada@example.com", "self": True}
    assert timed["htmlLink"] == (
        "https://www.google.com/calendar/event?eid=YWJjMTIzZGVmNDU2IGFkYUBleGFtcGxlLmNvbQ"
    )
    assert timed["created"] == timed["updated"]
    assert timed["created"].endswith("Z")
    assert all_day["start"] == {"date": "2025-12-25"}
    assert all_day["end"] == {"date": "2025-12-26"}
    assert "recurrence" not in all_day
