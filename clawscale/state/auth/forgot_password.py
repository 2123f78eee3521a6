"""Asking for a reset link: the answer never tells whether the address has an account."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from clawscale.domain.accounts.customers import request_password_reset, reset_password
from clawscale.domain.errors import InvalidToken
from clawscale.state.auth.link_forms import LINK_INVALID, LinkFormState, new_password_problems
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import FormState, field_value
from clawscale.state.neutral import RESET_LINK_SENT
from clawscale.state.throttle import throttled
from clawscale.state.validation import email_problem


class ForgotPasswordState(FormState, CustomerSessionState):
    """Mails a reset link; the answer never tells whether the address has an account."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Check the address, then ask the domain to mail a link."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        if self._rejected({"email": email_problem(email)}):
            return
        if message := throttled("forgot-password", self.router.session.client_ip, email):
            self._fail(message)
            return
        yield None
        await run_domain(lambda db, settings: request_password_reset(db, settings, email))
        self._done(RESET_LINK_SENT)
