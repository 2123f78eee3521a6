"""Google's OAuth 2.0 authorization-code flow with PKCE, through Authlib, and its `state`.

The consent URL asks for the seed's two read-only scopes with an S256 code challenge. The
`state` is a JWT (10 minutes, purpose `google_calendar_import`) naming the run and the
customer, signed with `GOOGLE_CALENDAR_STATE_SECRET` (else `CUSTOMER_JWT_SECRET`); the code
verifier never leaves the gateway: it is kept encrypted on the run. Exchanging the code gives
Google's tokens; a refusal raises `GoogleRefused` with Google's error code (`invalid_grant`,
...), never the tokens.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import httpx
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from clawscale.models.base import utcnow
from clawscale.settings import Settings

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events.readonly",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
)
STATE_LIFETIME = timedelta(minutes=10)
STATE_PURPOSE = "google_calendar_import"
CALLBACK_PATH = "/api/customer/google-calendar-import/callback/google"
TOKEN_TIMEOUT_SECONDS = 15.0


class GoogleRefused(Exception):
    """Google (or the way to it) refused: `code` is a snake_case reason safe to store."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class StateClaims:
    """What a verified `state` names."""

    run_id: str
    customer_id: str
    identity_id: str


def configured(settings: Settings) -> bool:
    """Whether the gateway has a Google OAuth client to send people to."""
    return bool(settings.GOOGLE_CALENDAR_CLIENT_ID and settings.GOOGLE_CALENDAR_CLIENT_SECRET)


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (86 characters of base64url, within RFC 7636's 43-128)."""
    return secrets.token_urlsafe(64)


def callback_url(settings: Settings) -> str:
    """Where Google sends the person back (registered with Google as the redirect URI)."""
    return settings.CLAWSCALE_PUBLIC_API_URL.rstrip("/") + CALLBACK_PATH


def _state_secret(settings: Settings) -> str:
    return settings.GOOGLE_CALENDAR_STATE_SECRET or settings.CUSTOMER_JWT_SECRET


def sign_state(settings: Settings, claims: StateClaims) -> str:
    """The signed `state` of a run's consent request."""
    now = utcnow()
    payload = {
        "sub": claims.customer_id,
        "identityId": claims.identity_id,
        "runId": claims.run_id,
        "purpose": STATE_PURPOSE,
        "iat": int(now.timestamp()),
        "exp": int((now + STATE_LIFETIME).timestamp()),
    }
    return jwt.encode(payload, _state_secret(settings), algorithm="HS256")


def verify_state(settings: Settings, state: str) -> StateClaims:
    """The claims of a `state` we signed; GoogleRefused(`invalid_google_calendar_state`)."""
    try:
        payload = jwt.decode(
            state,
            _state_secret(settings),
            algorithms=["HS256"],
            options={"require": ["sub", "exp", "runId", "identityId", "purpose"]},
        )
    except jwt.PyJWTError as error:
        raise GoogleRefused("invalid_google_calendar_state") from error
    if payload["purpose"] != STATE_PURPOSE:
        raise GoogleRefused("invalid_google_calendar_state")
    return StateClaims(payload["runId"], payload["sub"], payload["identityId"])


def _client(settings: Settings) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.GOOGLE_CALENDAR_CLIENT_ID,
        client_secret=settings.GOOGLE_CALENDAR_CLIENT_SECRET,
        scope=" ".join(SCOPES),
        redirect_uri=callback_url(settings),
        code_challenge_method="S256",
        timeout=TOKEN_TIMEOUT_SECONDS,
    )


def consent_url(settings: Settings, state: str, code_verifier: str) -> str:
    """Google's consent screen for the read-only calendar scopes, with the S256 challenge."""
    client = _client(settings)
    url, _state = client.create_authorization_url(
        settings.GOOGLE_OAUTH_AUTHORIZE_URL,
        state=state,
        code_verifier=code_verifier,
        access_type="online",
        include_granted_scopes="true",
    )
    return url


async def exchange_code(settings: Settings, code: str, code_verifier: str) -> dict[str, object]:
    """Google's tokens for the authorization code (GoogleRefused with Google's error code)."""
    async with _client(settings) as client:
        try:
            token = await client.fetch_token(
                settings.GOOGLE_OAUTH_TOKEN_URL, code=code, code_verifier=code_verifier
            )
        except OAuthError as error:
            raise GoogleRefused(error.error or "google_calendar_token_exchange_failed") from None
        except (httpx.HTTPError, ValueError):
            raise GoogleRefused("google_calendar_token_exchange_failed") from None
    if not token.get("access_token"):
        raise GoogleRefused("google_calendar_token_exchange_failed")
    return dict(token)
