"""The sign-in form: email and password, then back to the page that asked for it."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.customer_accounts import authenticate, start_session
from clawscale.domain.errors import Unauthenticated
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import FormState, field_value
from clawscale.state.redirects import sign_in_redirect
from clawscale.state.throttle import throttled
from clawscale.state.validation import entered_problem

WRONG_CREDENTIALS = "The email or password is wrong."


def sign_in(db: Session, settings: Settings, email: str, password: str) -> str | None:
    """A new session token for these credentials; None when they are wrong."""
    try:
        identity = authenticate(db, email, password)
    except Unauthenticated:
        return None
    return start_session(db, settings, identity).token


class LoginState(FormState, CustomerSessionState):
    """Signs a customer in and hands the session to the browser's cookie."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the form, then sign in and go on to `next` (or /account)."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        password = field_value(form_data, "password")
        if self._rejected(
            {
                "email": entered_problem(email, "Enter your email address"),
                "password": entered_problem(password, "Enter your password"),
            }
        ):
            return
        if message := throttled("login", self.router.session.client_ip, email):
            self._fail(message)
            return
        yield None
        token = await run_domain(lambda db, settings: sign_in(db, settings, email, password))
        if token is None:
            self._fail(WRONG_CREDENTIALS)
            return
        yield sign_in_redirect(get_settings(), token, self._next_path())
