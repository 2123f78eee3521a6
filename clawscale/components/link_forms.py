"""Parts of the pages opened from an emailed link (reset, claim): a new password, twice."""

import reflex as rx
from reflex.event import EventHandler

from clawscale.components.forms import Label, form_card, form_field, message_callout, page_form
from clawscale.components.translated import shown, t
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.state.link_forms import LinkFormState


def new_password_form(
    state: type[LinkFormState], on_submit: EventHandler, submit_label: Label
) -> rx.Component:
    """The new password and its repetition; `submit_label` a Var or an `N_`-marked message id."""
    return form_card(
        page_form(
            state,
            on_submit,
            form_field(
                state,
                t("New password"),
                "password",
                input_type="password",
                autocomplete="new-password",
                hint=t("At least {length} characters.", length=MIN_PASSWORD_LENGTH),
                auto_focus=True,
            ),
            form_field(
                state,
                t("Repeat the new password"),
                "confirmation",
                input_type="password",
                autocomplete="new-password",
            ),
            submit_label=shown(submit_label),
        )
    )


def unless_link_missing(state: type[LinkFormState], page_body: rx.Component) -> rx.Component:
    """`page_body`, or a note that the link lost its token."""
    return rx.cond(
        state.link_missing,
        message_callout(
            t(
                "This link is incomplete. Open the link from your email again, or copy all of "
                "it into the address bar."
            ),
            "error",
        ),
        page_body,
    )
