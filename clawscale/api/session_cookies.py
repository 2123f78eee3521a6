"""The HttpOnly, SameSite session cookies browsers keep (API clients send Bearer instead)."""

from fastapi import Response

from clawscale.domain.accounts.sessions import SESSION_LIFETIME
from clawscale.settings import Environment, Settings


def set_session_cookie(response: Response, settings: Settings, name: str, token: str) -> None:
    """Keep the session token in an HttpOnly, SameSite=Lax cookie (Secure in production)."""
    response.set_cookie(
        name,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.CLAWSCALE_ENV is Environment.PRODUCTION,
        path="/",
    )


def clear_session_cookie(response: Response, name: str) -> None:
    """Drop the session cookie."""
    response.delete_cookie(name, path="/", httponly=True, samesite="lax")
