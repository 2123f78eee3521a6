"""Choosing a new password with a mailed reset link."""

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


def password_changed(db: Session, token: str, password: str) -> bool:
    """Whether the reset token set the new password (every earlier session then ends)."""
    try:
        reset_password(db, token, password)
    except InvalidToken:
        return False
    return True


class ResetPasswordState(LinkFormState):
    """Sets a new password with the mailed token."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Check the new password (twice), then set it."""
        self._begin_submit()
        if self._rejected(new_password_problems(form_data)):
            return
        token, password = self._link_token(), field_value(form_data, "password")
        yield None
        if not await run_domain(lambda db, _settings: password_changed(db, token, password)):
            self._fail(LINK_INVALID)
            return
        self.completed = True
        self._done()
        await self._refresh_session()
