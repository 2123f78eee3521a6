"""The verification link from the email: verify on load, or offer to send a new link."""

import hashlib
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import reflex as rx
from sqlmodel import Session

from clawscale.domain.accounts.customers import resend_verification, verify_email
from clawscale.domain.errors import InvalidToken
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import FormState, field_value
from clawscale.state.neutral import VERIFICATION_LINK_SENT
from clawscale.state.throttle import throttled
from clawscale.state.validation import email_problem


class LinkStatus(StrEnum):
    """What became of the link the page was opened with."""

    CHECKING = "checking"
    VERIFIED = "verified"
    FAILED = "failed"


def verified(db: Session, email: str, token: str) -> bool:
    """Whether the link's token verified the email (it works once, while fresh)."""
    try:
        verify_email(db, email, token)
    except InvalidToken:
        return False
    return True


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EmailVerificationState(FormState, CustomerSessionState):
    """Verifies the link's email once; a reload of the same page keeps showing the success."""

    status: str = LinkStatus.CHECKING
    link_email: str = ""
    _verified_link: str = ""

    @rx.event
    async def verify_link(self) -> AsyncIterator[None]:
        """On load: verify the `email` and `token` of the query string."""
        self._clear_form()
        self.status = LinkStatus.CHECKING
        yield None
        await self._refresh_session()
        params = self.router.url.query_parameters
        email, token = params.get("email", "").strip(), params.get("token", "")
        self.link_email = email
        if not email or not token:
            self.status = LinkStatus.FAILED
        elif self._verified_link == _fingerprint(token) or await run_domain(
            lambda db, _settings: verified(db, email, token)
        ):
            self._verified_link = _fingerprint(token)
            self.status = LinkStatus.VERIFIED
        else:
            self.status = LinkStatus.FAILED

    @rx.event
    async def resend(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Mail a new link when the address waits for verification; the answer is neutral."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        if self._rejected({"email": email_problem(email)}):
            return
        if message := throttled("resend-verification", self.router.session.client_ip, email):
            self._fail(message)
            return
        yield None
        await run_domain(lambda db, settings: resend_verification(db, settings, email))
        self._done(VERIFICATION_LINK_SENT)
