"""A fake of Google's OAuth 2.0 server and the Google Calendar API v3, on one base URL.

OAuth 2.0 for web server apps (developers.google.com/identity/protocols/oauth2/web-server):

- `GET /o/oauth2/v2/auth` stands for the consent screen once the user has answered: a 302 to
  `redirect_uri` with `code`, `state` and `scope`, or with `error=access_denied` when
  `consent = "deny"`. A missing parameter, an unknown client or an unregistered `redirect_uri` gets
  Google's error page instead, with no redirect. This fake insists on PKCE with `S256`, the flow
  the gateway uses (Google also takes no PKCE or `plain`).
- `POST /token` (Google's `https://oauth2.googleapis.com/token`) takes the form-encoded
  `authorization_code` and `refresh_token` grants, client credentials in the form or as HTTP Basic.
  Codes are single-use and expire; `BASE64URL(SHA256(code_verifier))` must equal the challenge.
  As at Google, a refresh token comes only for a code asked with `access_type=offline`, and a
  refresh answers a new access token without a new refresh token. Errors are Google's JSON
  (`invalid_grant`, `redirect_uri_mismatch`, 401 `invalid_client`, `unsupported_grant_type`).
- `POST /revoke` (`token` in the form or query) revokes the grant the token belongs to.
- `GET /calendar/v3/users/me/calendarList/primary` (a CalendarListEntry) and
  `GET /calendar/v3/calendars/primary/events` (an Events list honouring `maxResults`, `pageToken`
  and `showDeleted`; other filters are accepted and not applied) need a live bearer token with a
  calendar scope; failures use Google's error shape (`{"error": {"code", "message", "errors",
  "status"}}`), 401 with a `WWW-Authenticate` header.
"""

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.http_server import (
    FakeHTTPServer,
    FakeResponse,
    Handler,
    RecordedRequest,
    fake_http_server,
)

AUTHORIZE_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
CALENDAR_PREFIX = "/calendar/v3"
CALENDAR_LIST_PATH = f"{CALENDAR_PREFIX}/users/me/calendarList/primary"
EVENTS_PATH = f"{CALENDAR_PREFIX}/calendars/primary/events"

DEFAULT_CLIENT_ID = "1234567890-fake.apps.googleusercontent.com"
DEFAULT_CLIENT_SECRET = "GOCSPX-fake-client-secret"
DEFAULT_EMAIL = "user@example.com"
DEFAULT_TIME_ZONE = "UTC"
CODE_LIFETIME = 600.0
ACCESS_TOKEN_LIFETIME = 3599
DEFAULT_PAGE_SIZE = 250
MAX_PAGE_SIZE = 2500
DEFAULT_REMINDERS = [{"method": "popup", "minutes": 10}]
REQUIRED_AUTHORIZE_PARAMS = ("client_id", "redirect_uri", "response_type", "scope")

SCOPE = "https://www.googleapis.com/auth/"
CALENDAR_LIST_SCOPES = frozenset(
    SCOPE + name
    for name in (
        "calendar",
        "calendar.readonly",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
    )
)
EVENTS_SCOPES = frozenset(
    SCOPE + name
    for name in ("calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly")
)

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
CALENDAR_ERRORS: dict[str, tuple[str, str, str]] = {
    "required": (
        f"Request is missing required authentication credential. {AUTH_HELP}",
        "Login Required.",
        "global",
    ),
    "authError": (
        f"Request had invalid authentication credentials. {AUTH_HELP}",
        "Invalid Credentials",
        "global",
    ),
    "insufficientPermissions": (
        "Request had insufficient authentication scopes.",
        "Insufficient Permission",
        "global",
    ),
    "invalid": ("Invalid Value", "Invalid Value", "global"),
    "notFound": ("Not Found", "Not Found", "global"),
    "rateLimitExceeded": ("Rate Limit Exceeded", "Rate Limit Exceeded", "usageLimits"),
    "backendError": ("Backend Error", "Backend Error", "global"),
}
"""Calendar error reasons: the top-level message, the `errors[]` message, and the domain."""


@dataclass
class IssuedCode:
    """An authorization code the consent screen handed out, and what it was asked for."""

    code: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: list[str]
    offline: bool
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    """What the user consented to once: the scopes, and the refresh token of offline access."""

    scopes: list[str]
    refresh_token: str | None
    revoked: bool = False


@dataclass
class IssuedToken:
    """An access token the token endpoint answered, by which grant type."""

    access_token: str
    grant: Grant
    grant_type: str
    expires_at: float

    def live(self) -> bool:
        """Not expired, and its grant not revoked."""
        return not self.grant.revoked and time.monotonic() < self.expires_at


@dataclass
class CalendarRequest:
    """One request to the Calendar API: its path, query parameters and bearer token (`None`
    without an `Authorization` header, `""` with one that is not a bearer token)."""

    path: str
    params: dict[str, str]
    bearer: str | None


def decode_form(text: str) -> dict[str, str]:
    """A form-encoded body or query string as a dict (the last value of a repeated name)."""
    return dict(parse_qsl(text, keep_blank_values=True))


def s256(verifier: str) -> str:
    """The PKCE `S256` challenge of `verifier`: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def rfc3339(moment: datetime) -> str:
    """`moment` as Google writes times: seconds, and `Z` for UTC."""
    text = moment.isoformat(timespec="seconds")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def timestamp_now() -> str:
    """The current UTC time as Google writes `created`/`updated` (milliseconds, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def etag() -> str:
    """A quoted ETag like the Calendar API's."""
    return f'"{time.time_ns() // 1000}"'


def event_time(moment: datetime | date, time_zone: str) -> dict[str, str]:
    """An event's `start`/`end`: `dateTime`+`timeZone` for a datetime (a naive one is taken in
    `time_zone`), an all-day `date` for a date."""
    if not isinstance(moment, datetime):
        return {"date": moment.isoformat()}
    zone = ZoneInfo(time_zone)
    local = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return {"dateTime": rfc3339(local), "timeZone": time_zone}


def calendar_event(
    summary: str,
    start: datetime | date,
    end: datetime | date,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    status: str = "confirmed",
    recurrence: list[str] | None = None,
    organizer: str = DEFAULT_EMAIL,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Event resource as the Calendar API lists it (`status` "cancelled" for a deleted one)."""
    identifier = event_id or secrets.token_hex(13)
    eid = base64.urlsafe_b64encode(f"{identifier} {organizer}".encode()).rstrip(b"=").decode()
    stamp = timestamp_now()
    return {
        "kind": "calendar#event",
        "etag": etag(),
        "id": identifier,
        "status": status,
        "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
        "created": stamp,
        "updated": stamp,
        "summary": summary,
        "creator": {"email": organizer, "self": True},
        "organizer": {"email": organizer, "self": True},
        "start": event_time(start, time_zone),
        "end": event_time(end, time_zone),
        **({"recurrence": recurrence} if recurrence else {}),
        "iCalUID": f"{identifier}@google.com",
        "sequence": 0,
        "reminders": {"useDefault": True},
        "eventType": "default",
    }


def error_page(status: int, error: str, detail: str) -> FakeResponse:
    """Google's authorization error page (shown to the user; nothing is redirected)."""
    text = f"Authorization Error\n\nError {status}: {error}\n\n{detail}\n"
    return FakeResponse(status, text.encode())


def oauth_error(status: int, error: str, description: str) -> FakeResponse:
    """A token endpoint error as Google answers it."""
    return FakeResponse(status, {"error": error, "error_description": description})


def calendar_error(status: int, reason: str) -> FakeResponse:
    """A Calendar API error in Google's shape (messages from `CALENDAR_ERRORS`, else the reason)."""
    message, item_message, domain = CALENDAR_ERRORS.get(reason, (reason, reason, "global"))
    item = {"message": item_message, "domain": domain, "reason": reason}
    headers = {}
    if status == 401:
        item |= {"location": "Authorization", "locationType": "header"}
        invalid = ', error="invalid_token"' if reason == "authError" else ""
        headers["WWW-Authenticate"] = f'Bearer realm="https://accounts.google.com/"{invalid}'
    body = {"code": status, "message": message, "errors": [item]}
    if status in STATUS_NAMES:
        body["status"] = STATUS_NAMES[status]
    return FakeResponse(status, {"error": body}, headers)


def redirect(uri: str, params: dict[str, str]) -> FakeResponse:
    """A 302 to `uri` with `params` added to its query."""
    separator = "&" if urlsplit(uri).query else "?"
    location = uri + separator + urlencode(params, quote_via=quote)
    return FakeResponse(302, b"", {"Location": location})


def echoed_state(params: dict[str, str]) -> dict[str, str]:
    """The `state` to hand back, if the request had one."""
    return {"state": params["state"]} if "state" in params else {}


def client_credentials(request: RecordedRequest, form: dict[str, str]) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic auth if given, else from the form."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except ValueError:
        return "", ""
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def bearer_token(request: RecordedRequest) -> str | None:
    """The bearer token of a request: `None` without `Authorization`, `""` if not a bearer."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def page_size(params: dict[str, str]) -> int | None:
    """`maxResults`, capped at Google's 2500; `None` if it is not a positive integer."""
    try:
        size = int(params.get("maxResults", DEFAULT_PAGE_SIZE))
    except ValueError:
        return None
    return min(size, MAX_PAGE_SIZE) if size > 0 else None


class FakeGoogle:
    """Google's OAuth server for one client, and one account's primary calendar.

    Knobs: `consent` ("approve" or "deny"), `code_lifetime` (seconds; 0 makes new codes already
    expired), `calendar_error` (`(status, reason)` answered by every authorised Calendar request),
    `redirect_uris` (registered URIs; `None` accepts any), and the account's `email`, `time_zone`
    and `events` (Event dicts, see `calendar_event`).
    """

    def __init__(
        self,
        server: FakeHTTPServer,
        client_id: str,
        client_secret: str,
        *,
        redirect_uris: list[str] | None = None,
        email: str = DEFAULT_EMAIL,
        time_zone: str = DEFAULT_TIME_ZONE,
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        self.server = server
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.email = email
        self.time_zone = time_zone
        self.events = list(events or [])
        self.consent = "approve"
        self.code_lifetime = CODE_LIFETIME
        self.calendar_error: tuple[int, str] | None = None
        self._codes: dict[str, IssuedCode] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._refreshable: dict[str, Grant] = {}
        self._page_starts: dict[str, int] = {}
        self._lock = threading.Lock()
        server.route("GET", AUTHORIZE_PATH, self._locked(self._authorize))
        server.route("POST", TOKEN_PATH, self._locked(self._token))
        server.route("POST", REVOKE_PATH, self._locked(self._revoke))
        server.route(
            "GET", CALENDAR_LIST_PATH, self._calendar(CALENDAR_LIST_SCOPES, self._primary_entry)
        )
        server.route("GET", EVENTS_PATH, self._calendar(EVENTS_SCOPES, self._events))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def authorize_url(self) -> str:
        return f"{self.url}{AUTHORIZE_PATH}"

    @property
    def token_url(self) -> str:
        return f"{self.url}{TOKEN_PATH}"

    @property
    def revoke_url(self) -> str:
        return f"{self.url}{REVOKE_PATH}"

    @property
    def calendar_api_url(self) -> str:
        return f"{self.url}{CALENDAR_PREFIX}"

    @property
    def codes_issued(self) -> list[IssuedCode]:
        """The authorization codes handed out, oldest first."""
        return list(self._codes.values())

    @property
    def tokens_issued(self) -> list[IssuedToken]:
        """The access tokens answered by the token endpoint, oldest first."""
        return list(self._tokens.values())

    @property
    def token_requests(self) -> list[RecordedRequest]:
        """The recorded `POST /token` requests (`decode_form(r.body.decode())` reads one)."""
        return self.server.requests_to(TOKEN_PATH)

    @property
    def calendar_requests(self) -> list[CalendarRequest]:
        """The requests to the Calendar API, oldest first."""
        return [
            CalendarRequest(request.path, decode_form(request.query), bearer_token(request))
            for request in list(self.server.requests)
            if request.path.startswith(f"{CALENDAR_PREFIX}/")
        ]

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired (refresh tokens stay good)."""
        for token in self._tokens.values():
            token.expires_at = time.monotonic()

    def _locked(self, handler: Handler) -> Handler:
        def handle(request: RecordedRequest) -> FakeResponse:
            with self._lock:
                return handler(request)

        return handle

    def _authorize(self, request: RecordedRequest) -> FakeResponse:
        params = decode_form(request.query)
        problem = self._authorize_problem(params)
        if problem is not None:
            return problem
        if self.consent == "deny":
            return redirect(
                params["redirect_uri"], {"error": "access_denied", **echoed_state(params)}
            )
        issued = IssuedCode(
            code=f"4/0A{secrets.token_urlsafe(40)}",
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            code_challenge=params["code_challenge"],
            scopes=params["scope"].split(),
            offline=params.get("access_type") == "offline",
            expires_at=time.monotonic() + self.code_lifetime,
        )
        self._codes[issued.code] = issued
        answer = {"code": issued.code, **echoed_state(params), "scope": " ".join(issued.scopes)}
        return redirect(issued.redirect_uri, answer)

    def _authorize_problem(self, params: dict[str, str]) -> FakeResponse | None:
        for name in REQUIRED_AUTHORIZE_PARAMS:
            if not params.get(name):
                return error_page(400, "invalid_request", f"Missing required parameter: {name}")
        if params["client_id"] != self.client_id:
            return error_page(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = params["redirect_uri"]
        if self.redirect_uris is not None and redirect_uri not in self.redirect_uris:
            detail = (
                f"The redirect URI in the request, {redirect_uri}, does not match the ones "
                "authorized for the OAuth client."
            )
            return error_page(400, "redirect_uri_mismatch", detail)
        if params["response_type"] != "code":
            return error_page(400, "unsupported_response_type", params["response_type"])
        if not params.get("code_challenge"):
            return error_page(400, "invalid_request", "Missing required parameter: code_challenge")
        if params.get("code_challenge_method") != "S256":
            method = params.get("code_challenge_method", "")
            return error_page(400, "invalid_request", f"Invalid code_challenge_method: {method}")
        return None

    def _token(self, request: RecordedRequest) -> FakeResponse:
        form = decode_form(request.body.decode())
        client_id, client_secret = client_credentials(request, form)
        if not client_id:
            return oauth_error(
                400, "invalid_request", "Could not determine client ID from request."
            )
        if client_id != self.client_id:
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if client_secret != self.client_secret:
            return oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _exchange_code(self, form: dict[str, str]) -> FakeResponse:
        if not form.get("code"):
            return oauth_error(400, "invalid_request", "Missing required parameter: code")
        issued = self._codes.get(form["code"])
        if issued is None:
            return oauth_error(400, "invalid_grant", "Malformed auth code.")
        if issued.used or time.monotonic() >= issued.expires_at:
            return oauth_error(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != issued.redirect_uri:
            return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if not form.get("code_verifier"):
            return oauth_error(400, "invalid_grant", "Missing code verifier.")
        if s256(form["code_verifier"]) != issued.code_challenge:
            return oauth_error(400, "invalid_grant", "Bad Request")
        issued.used = True
        refresh_token = f"1//0{secrets.token_urlsafe(60)}" if issued.offline else None
        grant = Grant(issued.scopes, refresh_token)
        if refresh_token is not None:
            self._refreshable[refresh_token] = grant
        body = self._token_body(self._issue(grant, "authorization_code"))
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return FakeResponse(200, body)

    def _refresh(self, form: dict[str, str]) -> FakeResponse:
        if not form.get("refresh_token"):
            return oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        grant = self._refreshable.get(form["refresh_token"])
        if grant is None or grant.revoked:
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return FakeResponse(200, self._token_body(self._issue(grant, "refresh_token")))

    def _issue(self, grant: Grant, grant_type: str) -> IssuedToken:
        token = IssuedToken(
            access_token=f"ya29.a0{secrets.token_urlsafe(60)}",
            grant=grant,
            grant_type=grant_type,
            expires_at=time.monotonic() + ACCESS_TOKEN_LIFETIME,
        )
        self._tokens[token.access_token] = token
        return token

    def _token_body(self, token: IssuedToken) -> dict[str, Any]:
        return {
            "access_token": token.access_token,
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(token.grant.scopes),
            "token_type": "Bearer",
        }

    def _revoke(self, request: RecordedRequest) -> FakeResponse:
        params = decode_form(request.query) | decode_form(request.body.decode())
        grant = self._grant_of(params.get("token", ""))
        if grant is None or grant.revoked:
            return oauth_error(400, "invalid_token", "Token expired or revoked")
        grant.revoked = True
        return FakeResponse(200, b"")

    def _grant_of(self, token: str) -> Grant | None:
        if token in self._refreshable:
            return self._refreshable[token]
        issued = self._tokens.get(token)
        return issued.grant if issued is not None and issued.live() else None

    def _calendar(
        self, scopes: frozenset[str], answer: Callable[[dict[str, str]], FakeResponse]
    ) -> Handler:
        def handle(request: RecordedRequest) -> FakeResponse:
            bearer = bearer_token(request)
            if bearer is None:
                return calendar_error(401, "required")
            token = self._tokens.get(bearer)
            if token is None or not token.live():
                return calendar_error(401, "authError")
            if not scopes & set(token.grant.scopes):
                return calendar_error(403, "insufficientPermissions")
            if self.calendar_error is not None:
                return calendar_error(*self.calendar_error)
            return answer(decode_form(request.query))

        return self._locked(handle)

    def _primary_entry(self, _params: dict[str, str]) -> FakeResponse:
        return FakeResponse(
            200,
            {
                "kind": "calendar#calendarListEntry",
                "etag": etag(),
                "id": self.email,
                "summary": self.email,
                "timeZone": self.time_zone,
                "colorId": "14",
                "backgroundColor": "#9fe1e7",
                "foregroundColor": "#000000",
                "selected": True,
                "accessRole": "owner",
                "defaultReminders": DEFAULT_REMINDERS,
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
                "primary": True,
            },
        )

    def _events(self, params: dict[str, str]) -> FakeResponse:
        size = page_size(params)
        start = self._page_starts.get(params["pageToken"]) if "pageToken" in params else 0
        if size is None or start is None:
            return calendar_error(400, "invalid")
        show_deleted = params.get("showDeleted") == "true"
        listed = [
            event for event in self.events if show_deleted or event.get("status") != "cancelled"
        ]
        end = start + size
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": etag(),
            "summary": self.email,
            "updated": timestamp_now(),
            "timeZone": self.time_zone,
            "accessRole": "owner",
            "defaultReminders": DEFAULT_REMINDERS,
            "items": listed[start:end],
        }
        if end < len(listed):
            page_token = secrets.token_urlsafe(24)
            self._page_starts[page_token] = end
            body["nextPageToken"] = page_token
        else:
            body["nextSyncToken"] = secrets.token_urlsafe(24)
        return FakeResponse(200, body)


@contextmanager
def fake_google(
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    *,
    redirect_uris: list[str] | None = None,
    email: str = DEFAULT_EMAIL,
    time_zone: str = DEFAULT_TIME_ZONE,
    events: list[dict[str, Any]] | None = None,
) -> Iterator[FakeGoogle]:
    """A running fake Google (OAuth server and Calendar API on one base URL)."""
    with fake_http_server() as server:
        yield FakeGoogle(
            server,
            client_id,
            client_secret,
            redirect_uris=redirect_uris,
            email=email,
            time_zone=time_zone,
            events=events,
        )
