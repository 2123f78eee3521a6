"""Hands a session from a page to the browser's HttpOnly cookie.

A Reflex page signs a person in over its websocket, where no cookie can be set. It sends the
browser to the API's handoff route with a code: the session token encrypted for 60 seconds.
The route checks the session is live, sets the HttpOnly cookie and redirects back to the page.
"""

import json

from sqlmodel import Session

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.domain.accounts.sessions import resolve_session, session_secret
from clawscale.models import SessionSubject
from clawscale.settings import Settings

HANDOFF_SECONDS = 60


def handoff_code(settings: Settings, kind: SessionSubject, token: str) -> str:
    """A code, valid for a minute, that carries a session token to the handoff route."""
    return encrypt_text(settings.CLAWSCALE_SECRET_KEY, json.dumps({"kind": kind, "token": token}))


def redeem_handoff(db: Session, settings: Settings, code: str) -> tuple[SessionSubject, str] | None:
    """The session kind and token in a fresh code whose session is live; None otherwise."""
    plaintext = decrypt_text(settings.CLAWSCALE_SECRET_KEY, code, HANDOFF_SECONDS)
    if plaintext is None:
        return None
    try:
        payload = json.loads(plaintext)
        kind = SessionSubject(payload["kind"])
        token = str(payload["token"])
    except (ValueError, KeyError, TypeError):
        return None
    if resolve_session(db, token, kind, session_secret(settings, kind)) is None:
        return None
    return kind, token
