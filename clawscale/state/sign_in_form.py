"""The part every sign-in form shares: both fields entered, and sign-in under its limits (per
address and per (address, email)) with repeated wrong answers slowed down."""

import asyncio
from collections.abc import Mapping
from typing import ClassVar, TypeVar

from clawscale.domain.rate_limits import RateLimited, shared_sign_in_limiter
from clawscale.i18n.catalogs import N_
from clawscale.state.backend import DomainWork, run_domain
from clawscale.state.form import FormState, field_value
from clawscale.state.throttle import TOO_MANY_ATTEMPTS, page_client_address
from clawscale.state.validation import ENTER_EMAIL, ENTER_PASSWORD, entered_problem

WRONG_CREDENTIALS = N_("The email or password is wrong.")

T = TypeVar("T")


class SignInFormState(FormState, mixin=True):
    """A form of email and password whose sign-in counts against the sign-in limits."""

    MESSAGES: ClassVar[tuple[str, ...]] = (
        ENTER_EMAIL,
        ENTER_PASSWORD,
        TOO_MANY_ATTEMPTS,
        WRONG_CREDENTIALS,
    )

    def _checked_credentials(self, form_data: Mapping[str, object]) -> tuple[str, str] | None:
        """The submitted email and password, or None after showing what is missing."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        password = field_value(form_data, "password")
        if self._rejected(
            {
                "email": entered_problem(email, ENTER_EMAIL),
                "password": entered_problem(password, ENTER_PASSWORD),
            }
        ):
            return None
        return email, password

    async def _limited_sign_in(
        self, action: str, email: str, sign_in: DomainWork[T | None]
    ) -> T | None:
        """Run `sign_in` (None: wrong credentials) under the sign-in limits; None after showing
        why not, a wrong answer only after its slow-down (awaited, the event loop stays free)."""
        limiter = shared_sign_in_limiter()
        address = page_client_address(self.router)
        try:
            outcome = await run_domain(
                lambda db, settings: limiter.attempt(
                    action, address, email, lambda: sign_in(db, settings)
                )
            )
        except RateLimited:
            self._fail(TOO_MANY_ATTEMPTS)
            return None
        if outcome.result is None:
            await asyncio.sleep(outcome.delay_seconds)
            self._fail(WRONG_CREDENTIALS)
        return outcome.result
