"""`/auth/verify-email`: the mailed link verifies on load; a broken link offers a new one."""

import hashlib
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import form_card, form_field, message_callout, page_form
from clawscale.components.links import button_link
from clawscale.components.shell import page_shell, waiting
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import resend_verification, verify_email
from clawscale.domain.errors import InvalidToken
from clawscale.i18n.catalogs import N_
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import field_value
from clawscale.state.link_forms import LINK_INVALID
from clawscale.state.neutral import (
    EMAIL_FORM_PROBLEMS,
    MAIL_NOT_SENT,
    VERIFICATION_LINK_SENT,
    LinkRequestState,
)
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


class EmailVerificationState(LinkRequestState, CustomerSessionState):
    """Verifies the link's email once; a reload of the same page keeps showing the success."""

    MESSAGES: ClassVar[tuple[str, ...]] = (
        *EMAIL_FORM_PROBLEMS,
        VERIFICATION_LINK_SENT,
        MAIL_NOT_SENT,
    )

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
        if message := throttled("resend-verification", self.router, email):
            self._fail(message)
            return
        yield None
        await run_domain(lambda db, settings: resend_verification(db, settings, email))
        self._link_requested(VERIFICATION_LINK_SENT)


SPEC = PageSpec(
    "/auth/verify-email",
    N_("Verify your email"),
    N_("Confirm your email address with the link we sent you to activate your account."),
    Section.PUBLIC,
)


def verified_notice() -> rx.Component:
    """The good news, and the way on."""
    return form_card(
        message_callout(t("Your email address is verified."), "success"),
        button_link(t("Go to your account"), "/account"),
    )


def new_link_form() -> rx.Component:
    """What went wrong, and a form to mail a fresh link."""
    return form_card(
        message_callout(t(LINK_INVALID), "error"),
        rx.text(t("Enter your email address and we'll send you a new link."), size="2"),
        page_form(
            EmailVerificationState,
            EmailVerificationState.resend,
            form_field(
                EmailVerificationState,
                t("Email"),
                "email",
                input_type="email",
                autocomplete="email",
                default_value=EmailVerificationState.link_email,
            ),
            submit_label=t("Send a new link"),
        ),
    )


def checking() -> rx.Component:
    """While the link is checked."""
    return form_card(waiting(t("Checking your link…")))


def verify_email_page() -> rx.Component:
    """The outcome of the link the page was opened with."""
    return page_shell(
        SPEC,
        rx.match(
            EmailVerificationState.status,
            (LinkStatus.VERIFIED.value, verified_notice()),
            (LinkStatus.FAILED.value, new_link_form()),
            checking(),
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, verify_email_page, on_load=(EmailVerificationState.verify_link,))
