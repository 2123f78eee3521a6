"""Parts of the pages opened from an emailed link (reset, claim): a new password, twice."""

import reflex as rx
from reflex.event import EventHandler

from clawscale.components.forms import form_card, form_field, message_callout, page_form
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.state.link_forms import LinkFormState

INCOMPLETE_LINK = (
    "This link is incomplete. Open the link from your email again, or copy all of it into "
    "the address bar."
)


def new_password_form(
    state: type[LinkFormState], on_submit: EventHandler, submit_label: str
) -> rx.Component:
    """The new password and its repetition."""
    return form_card(
        page_form(
            state,
            on_submit,
            form_field(
                state,
                "New password",
                "password",
                input_type="password",
                autocomplete="new-password",
                hint=f"At least {MIN_PASSWORD_LENGTH} characters.",
                auto_focus=True,
            ),
            form_field(
                state,
                "Repeat the new password",
                "confirmation",
                input_type="password",
                autocomplete="new-password",
            ),
            submit_label=submit_label,
        )
    )


def unless_link_missing(state: type[LinkFormState], page_body: rx.Component) -> rx.Component:
    """`page_body`, or a note that the link lost its token."""
    return rx.cond(
        state.link_missing,
        message_callout(INCOMPLETE_LINK, "error"),
        page_body,
    )
