"""The part every sign-in form shares: both fields entered, and the sign-in rate limit."""

from collections.abc import Mapping

from clawscale.state.form import FormState, field_value
from clawscale.state.throttle import throttled
from clawscale.state.validation import entered_problem


class SignInFormState(FormState, mixin=True):
    """A form of email and password that counts each attempt against the rate limit."""

    def _checked_credentials(
        self, form_data: Mapping[str, object], rate_limit_action: str
    ) -> tuple[str, str] | None:
        """The submitted email and password, or None after showing what is wrong."""
        self._begin_submit()
        email = field_value(form_data, "email").strip()
        password = field_value(form_data, "password")
        if self._rejected(
            {
                "email": entered_problem(email, "Enter your email address"),
                "password": entered_problem(password, "Enter your password"),
            }
        ):
            return None
        if message := throttled(rate_limit_action, self.router.session.client_ip, email):
            self._fail(message)
            return None
        return email, password


WRONG_CREDENTIALS = "The email or password is wrong."
