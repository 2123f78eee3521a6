"""Parts shared by the console's list pages beyond the table itself: the filter bar and its
fields, a detail dialog with its facts, a confirmation dialog, and a cell that filters by its
value.

Filters are labelled (screen readers and tests find them by name) and wrap onto new rows on a
narrow screen. Labels, titles, hints and choices are `Var`s or English message ids (marked with
`N_` where they are written), shown in the page's language.
"""

from collections.abc import Mapping, Sequence

import reflex as rx
from reflex.event import EventHandler, EventSpec
from reflex.vars import Var

from clawscale.components.admin.tables import Text, state_badge, state_words
from clawscale.components.translated import shown, t
from clawscale.state.form import FormState

Fact = tuple[Text, rx.Component | Var[str]]


def row_badge(label: Text, color: Var[str] | str) -> rx.Component:
    """A state badge whose words and colour come from the row (see `state.admin.badges`): a
    var holding a state's label shows it in the page's language (other words as they are)."""
    words = state_words(label) if isinstance(label, Var) else label
    return state_badge(words, color)  # type: ignore[arg-type]


def field_label(label: Text, field_id: str) -> rx.Component:
    """The label of a filter field."""
    return rx.text(
        rx.el.label(shown(label), html_for=field_id), as_child=True, size="1", weight="medium"
    )


def clamped(text: Var[str], lines: int = 2, **props: object) -> rx.Component:
    """`text` cut to `lines` lines with an ellipsis (whole on hover), so a long value never
    makes its row tall or its table wide."""
    return rx.text(
        text,
        title=text,
        style={
            "display": "-webkit-box",
            "-webkit-line-clamp": str(lines),
            "-webkit-box-orient": "vertical",
            "overflow": "hidden",
            "overflow-wrap": "anywhere",
        },
        **props,
    )


def filter_select(
    label: Text,
    field_id: str,
    value: Var[str],
    on_change: EventHandler,
    choices: Mapping[str, Text],
    more: Var[list[str]] | None = None,
) -> rx.Component:
    """A labelled choice (value → words, then the values of `more` as they are) that applies
    as soon as it changes."""
    items = [rx.select.item(shown(words), value=choice) for choice, words in choices.items()]
    if more is not None:
        items.append(rx.foreach(more, lambda choice: rx.select.item(choice, value=choice)))
    return rx.flex(
        field_label(label, field_id),
        rx.select.root(
            rx.select.trigger(id=field_id, aria_label=shown(label), min_width="10rem"),
            rx.select.content(*items),
            value=value,
            on_change=on_change,
            size="2",
        ),
        direction="column",
        spacing="1",
    )


def filter_input(
    label: Text,
    field_id: str,
    value: Var[str],
    on_change: EventHandler,
    placeholder: Text,
) -> rx.Component:
    """A labelled text filter, applied with the bar's Apply button (or Enter)."""
    return rx.flex(
        field_label(label, field_id),
        rx.input(
            id=field_id,
            name=field_id,
            value=value,
            on_change=on_change,
            placeholder=shown(placeholder),
            auto_complete="off",
            size="2",
            min_width=rx.breakpoints(initial="100%", sm="14rem"),
        ),
        direction="column",
        spacing="1",
        flex_grow="1",
        min_width="0",
    )


def filter_bar(
    label: Text,
    *fields: rx.Component,
    on_submit: EventHandler,
    on_clear: EventHandler,
) -> rx.Component:
    """The page's filters with Apply and Clear, as one search form named `label`."""
    return rx.el.form(
        rx.flex(
            *fields,
            rx.flex(
                rx.button(
                    rx.icon("search", size=16),
                    t("Apply"),
                    type="submit",
                    size="2",
                    cursor="pointer",
                ),
                rx.button(
                    t("Clear"),
                    type="button",
                    on_click=on_clear,
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    cursor="pointer",
                ),
                spacing="2",
                align="end",
            ),
            align="end",
            wrap="wrap",
            spacing="3",
        ),
        role="search",
        aria_label=shown(label),
        on_submit=on_submit,
        width="100%",
    )


def filter_link(text: Var[str], on_click: EventSpec, hint: Text) -> rx.Component:
    """A cell value that, clicked, narrows the list to it; long values wrap."""
    return rx.link(
        clamped(text, as_="span", size="2"),
        on_click=[rx.prevent_default, on_click],
        title=shown(hint),
        href="#",
        underline="hover",
        cursor="pointer",
    )


def facts(items: Sequence[Fact]) -> rx.Component:
    """Label and value pairs, in two columns when there is room."""
    return rx.data_list.root(
        *(
            rx.data_list.item(
                rx.data_list.label(shown(label), min_width="9rem"),
                rx.data_list.value(
                    value
                    if isinstance(value, rx.Component)
                    else rx.text(value, overflow_wrap="anywhere")
                ),
            )
            for label, value in items
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
    )


def detail_dialog(
    title: Text,
    is_open: Var[bool],
    on_open_change: EventHandler,
    *content: rx.Component,
) -> rx.Component:
    """A wide dialog showing one row in full; Close, Escape or an outside click close it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.flex(
                rx.dialog.title(shown(title), overflow_wrap="anywhere", margin="0"),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x", size=16),
                        variant="ghost",
                        color_scheme="gray",
                        aria_label=t("Close"),
                        cursor="pointer",
                    )
                ),
                justify="between",
                align="start",
                spacing="3",
            ),
            rx.flex(*content, direction="column", spacing="4", margin_top="16px"),
            max_width="min(56rem, calc(100vw - 32px))",
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


def confirm_dialog(
    title: Text,
    description: rx.Component,
    action: Text,
    *,
    is_open: Var[bool],
    on_open_change: EventHandler,
    on_confirm: EventHandler,
    busy: Var[bool],
    color: str = "red",
) -> rx.Component:
    """Asks before a consequential action: Cancel, or `action` to go ahead."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(shown(title)),
            rx.alert_dialog.description(description, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(t("Cancel"), variant="soft", color_scheme="gray", cursor="pointer")
                ),
                rx.button(
                    shown(action),
                    on_click=on_confirm,
                    loading=busy,
                    color_scheme=color,
                    cursor="pointer",
                ),
                justify="end",
                spacing="3",
                margin_top="20px",
            ),
            max_width="28rem",
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


def row_button(
    label: Text, icon: str, on_click: EventSpec, aria_label: Text, color: str = "gray"
) -> rx.Component:
    """A small action at the end of a table row."""
    return rx.button(
        rx.icon(icon, size=14),
        shown(label),
        on_click=on_click,
        variant="soft",
        color_scheme=color,
        size="1",
        cursor="pointer",
        aria_label=shown(aria_label),
        white_space="nowrap",
    )


def table_with_pager(table: rx.Component, pager_row: rx.Component) -> rx.Component:
    """A table above its pager."""
    return rx.flex(table, pager_row, direction="column", spacing="3")


def section_title(title: Text, subtitle: Text) -> rx.Component:
    """The heading of a part of the page, with a line on what it is for."""
    return rx.flex(
        rx.heading(shown(title), as_="h2", size="5"),
        rx.text(shown(subtitle), size="2", color_scheme="gray"),
        direction="column",
        spacing="1",
    )


def icon_submit(icon: str, label: Text, state: type[FormState]) -> rx.Component:
    """A console form's submit button with its icon, busy while the form is submitting."""
    return rx.button(
        rx.icon(icon, size=16),
        shown(label),
        type="submit",
        loading=state.submitting,
        cursor="pointer",
    )


def copy_field(
    value: Var[str], label: Text, copy_label: Text, copied: Var[bool], on_copied: EventSpec
) -> rx.Component:
    """A value to paste elsewhere (a URL, a snippet), shown as code named `label`, with a Copy
    button named `copy_label` that says Copied once `copied`."""
    return rx.flex(
        rx.code(value, variant="soft", size="2", overflow_wrap="anywhere", aria_label=shown(label)),
        rx.button(
            rx.icon(rx.cond(copied, "check", "copy"), size=16),
            rx.cond(copied, t("Copied"), t("Copy")),
            on_click=[rx.set_clipboard(value), on_copied],
            variant="soft",
            size="2",
            cursor="pointer",
            aria_label=shown(copy_label),
            flex_shrink="0",
        ),
        align="center",
        spacing="3",
        wrap=rx.breakpoints(initial="wrap", sm="nowrap"),
    )
