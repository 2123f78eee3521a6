"""Forms opened from an emailed link (reset, claim): the link's token and a new password."""

from typing import Any, ClassVar

import reflex as rx

from clawscale.i18n.catalogs import N_
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.form import FormState, field_value
from clawscale.state.validation import (
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    PASSWORDS_DIFFER,
    confirmation_problem,
    new_password_problem,
)

LINK_INVALID = N_("This link is invalid or has expired.")


def new_password_problems(form_data: dict[str, Any]) -> dict[str, str]:
    """The problems of a "new password, twice" form, by field."""
    password = field_value(form_data, "password")
    return {
        "password": new_password_problem(password),
        "confirmation": confirmation_problem(password, field_value(form_data, "confirmation")),
    }


class LinkFormState(FormState, CustomerSessionState):
    """A form opened from an emailed link whose `token` is in the query string."""

    MESSAGES: ClassVar[tuple[str, ...]] = (
        PASSWORD_TOO_SHORT,
        PASSWORD_TOO_LONG,
        PASSWORDS_DIFFER,
        LINK_INVALID,
    )

    link_missing: bool = False
    completed: bool = False

    def _link_token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    async def open_link(self) -> None:
        """On load: a fresh form; note a link without a token."""
        self._clear_form()
        self.completed = False
        self.link_missing = not self._link_token()
        await self._refresh_session()
