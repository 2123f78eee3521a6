"""Form parts shared by the pages: one labelled field, the submit button, and the answers.

Every field shows its own problem under it (linked with `aria-describedby`); the browser's own
validation bubbles are off so every message reads the same. A form's State keeps its problems
and notices as English message ids, one of its `MESSAGES`; they are shown translated.
"""

from typing import Literal

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var

from clawscale.components.translated import chosen
from clawscale.state.form import FormState

InputType = Literal["text", "email", "password", "number"]
Tone = Literal["error", "success"]

TONES: dict[Tone, tuple[str, str, str]] = {
    "error": ("red", "circle-alert", "alert"),
    "success": ("green", "circle-check", "status"),
}


Label = str | Var[str]


def field_problem(state: type[FormState], name: str) -> Var[str]:
    """The problem of the field `name` ("" when none), in the page's language."""
    return chosen(state.errors.get(name, "").to(str), state.MESSAGES)


def form_field(
    state: type[FormState],
    label: Label,
    name: str,
    *,
    input_type: InputType = "text",
    autocomplete: str,
    hint: Label | None = None,
    default_value: str | Var[str] = "",
    auto_focus: bool = False,
    **input_props: object,
) -> rx.Component:
    """A labelled input named `name`, with an optional hint and the problem `state` found;
    `input_props` go to the input itself (`min`, `max`, `step` of a number, say)."""
    input_id = f"field-{name}"
    problem_id = f"{input_id}-problem"
    hint_id = f"{input_id}-hint"
    problem = field_problem(state, name)
    has_problem = problem != ""
    return rx.flex(
        rx.text(rx.el.label(label, html_for=input_id), as_child=True, size="2", weight="medium"),
        rx.input(
            id=input_id,
            name=name,
            type=input_type,
            auto_complete=autocomplete,
            default_value=default_value,
            auto_focus=auto_focus,
            size="3",
            aria_invalid=rx.cond(has_problem, "true", "false"),
            aria_describedby=problem_id if hint is None else f"{problem_id} {hint_id}",
            color_scheme=rx.cond(has_problem, "red", "indigo"),
            box_shadow=rx.cond(has_problem, "inset 0 0 0 1px var(--red-8)", ""),
            **input_props,
        ),
        rx.text(
            hint,
            id=hint_id,
            size="1",
            color_scheme="gray",
            display=rx.cond(has_problem, "none", "block"),
        )
        if hint is not None
        else rx.fragment(),
        rx.text(
            problem,
            id=problem_id,
            size="2",
            color_scheme="red",
            display=rx.cond(has_problem, "block", "none"),
        ),
        direction="column",
        spacing="1",
    )


def message_callout(message: Label, tone: Tone) -> rx.Component:
    """A problem (announced as an alert) or good news (announced as a status)."""
    color, icon, role = TONES[tone]
    return rx.callout(message, icon=icon, color_scheme=color, role=role, variant="surface")


def answer(message: Var[str], tone: Tone) -> rx.Component:
    """A callout for a non-empty `message`, nothing otherwise."""
    return rx.cond(message != "", message_callout(message, tone), rx.fragment())


def submit_button(label: Label, state: type[FormState]) -> rx.Component:
    """The form's submit button; disabled with a spinner while the form is busy."""
    return rx.button(
        label, type="submit", size="3", width="100%", loading=state.submitting, cursor="pointer"
    )


def page_form(
    state: type[FormState], on_submit: EventHandler, *fields: rx.Component, submit_label: Label
) -> rx.Component:
    """A form that sends its data to `on_submit`, with its answers (translated) above the
    fields."""
    return rx.el.form(
        rx.flex(
            answer(chosen(state.form_error, state.MESSAGES), "error"),
            answer(chosen(state.notice, state.MESSAGES), "success"),
            *fields,
            submit_button(submit_label, state),
            direction="column",
            spacing="4",
        ),
        on_submit=on_submit,
        no_validate=True,
        width="100%",
    )


def form_card(*children: rx.Component) -> rx.Component:
    """The card a page's form sits on."""
    return rx.card(rx.flex(*children, direction="column", spacing="4"), size="3", width="100%")


def aside(*parts: rx.Component | Label) -> rx.Component:
    """A quiet line under a form, e.g. a link to another way in."""
    return rx.text(*parts, size="2", color_scheme="gray", text_align="center")
