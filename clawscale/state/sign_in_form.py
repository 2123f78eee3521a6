"""The part every sign-in form shares: both fields entered, and the sign-in rate limit."""

from collections.abc import Mapping
from typing import ClassVar

from clawscale.i18n.catalogs import N_
from clawscale.state.form import FormState, field_value
from clawscale.state.throttle import TOO_MANY_ATTEMPTS, throttled
from clawscale.state.validation import ENTER_EMAIL, ENTER_PASSWORD, entered_problem

WRONG_CREDENTIALS = N_("The email or password is wrong.")


class SignInFormState(FormState, mixin=True):
    """A form of email and password that counts each attempt against the rate limit."""

    MESSAGES: ClassVar[tuple[str, ...]] = (
        ENTER_EMAIL,
        ENTER_PASSWORD,
        TOO_MANY_ATTEMPTS,
        WRONG_CREDENTIALS,
    )

    def _checked_credentials(
        self, form_data: Mapping[str, object], rate_limit_action: str
    ) -> tuple[str, str] | None:
        """The submitted email and password, or None after showing what is wrong."""
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
        if message := throttled(rate_limit_action, self.router.session.client_ip, email):
            self._fail(message)
            return None
        return email, password
