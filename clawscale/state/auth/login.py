"""The sign-in form: email and password, then back to the page that asked for it."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.accounts.customers import authenticate, start_session
from clawscale.domain.errors import Unauthenticated
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.redirects import sign_in_redirect
from clawscale.state.sign_in_form import SignInFormState

WRONG_CREDENTIALS = "The email or password is wrong."


def sign_in(db: Session, settings: Settings, email: str, password: str) -> str | None:
    """A new session token for these credentials; None when they are wrong."""
    try:
        identity = authenticate(db, email, password)
    except Unauthenticated:
        return None
    return start_session(db, settings, identity).token


class LoginState(SignInFormState, CustomerSessionState):
    """Signs a customer in and hands the session to the browser's cookie."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the form, then sign in and go on to `next` (or /account)."""
        credentials = self._checked_credentials(form_data, "login")
        if credentials is None:
            return
        email, password = credentials
        yield None
        token = await run_domain(lambda db, settings: sign_in(db, settings, email, password))
        if token is None:
            self._fail(WRONG_CREDENTIALS)
            return
        yield sign_in_redirect(get_settings(), token, self._next_path())
