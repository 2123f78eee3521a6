"""Parts of the console's tables: the table itself, sortable column headers, state badges,
times, the pager and the empty state.

Tables scroll sideways inside their frame when a narrow screen cannot fit every column, so a
long value never pushes the page wider than the window. A sortable header is a button: it
shows an arrow for the current order and tells screen readers with `aria-sort`.

Every label, header, title and advice is a `Var` or an English message id (marked with `N_`
where it is written); it shows in the page's language.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import reflex as rx
from reflex.vars import Var

from clawscale.components.paging import pager_row
from clawscale.components.translated import chosen, local_number, shown, t, table_time
from clawscale.state.admin.badges import STATE_WORDS
from clawscale.state.admin.display import NEVER
from clawscale.state.admin.pagination import PaginationState, SortedPaginationState

BadgeColor = Literal["green", "gray", "red", "amber", "indigo"]
Text = str | Var[str]
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


@dataclass(frozen=True)
class Sortable:
    """A column header that sorts the table by `key` (one the domain's list query offers)."""

    label: Text
    key: str


Header = Text | Sortable


def sort_header(header: Sortable, state: type[SortedPaginationState]) -> rx.Component:
    """A header cell whose button sorts by its column, then flips the direction."""
    current = state.sort_key == header.key
    descending = current & state.sort_descending
    column = shown(header.label)
    return rx.table.column_header_cell(
        rx.el.button(
            column,
            rx.cond(
                current,
                rx.cond(
                    state.sort_descending,
                    rx.icon("arrow-down", size=14, aria_hidden="true"),
                    rx.icon("arrow-up", size=14, aria_hidden="true"),
                ),
                rx.icon("arrow-up-down", size=14, aria_hidden="true", opacity="0.4"),
            ),
            type="button",
            on_click=state.sort_by(header.key),
            title=rx.cond(
                descending,
                t("Sort by {column}, ascending", column=column),
                t("Sort by {column}, descending", column=column),
            ),
            style={
                "all": "unset",
                "display": "inline-flex",
                "align_items": "center",
                "gap": "4px",
                "cursor": "pointer",
                "font_weight": "inherit",
                "&:focus-visible": {"outline": "2px solid var(--focus-8)", "outline_offset": "2px"},
            },
        ),
        aria_sort=rx.cond(
            current, rx.cond(state.sort_descending, "descending", "ascending"), "none"
        ),
        white_space="nowrap",
    )


def header_cell(header: Header, state: type[SortedPaginationState] | None) -> rx.Component:
    """A plain column header (an empty one for a column of buttons), or a sorting one when the
    table has a sort `state`."""
    if isinstance(header, Sortable) and state is not None:
        return sort_header(header, state)
    label = header.label if isinstance(header, Sortable) else header
    words = "" if isinstance(label, str) and not label else shown(label)
    return rx.table.column_header_cell(words, white_space="nowrap")


def data_table(
    label: Text,
    headers: Sequence[Header],
    body: rx.Component,
    sorted_by: type[SortedPaginationState] | None = None,
) -> rx.Component:
    """A table named `label` (by its caption, read by screen readers), its column `headers`
    (the `Sortable` ones sort through `sorted_by`), and its rows (`body`)."""
    return rx.table.root(
        rx.el.caption(shown(label), style=VISUALLY_HIDDEN),
        rx.table.header(rx.table.row(*(header_cell(header, sorted_by) for header in headers))),
        rx.table.body(body),
        variant="surface",
        size="2",
        width="100%",
    )


def state_words(label: Var[str]) -> Var[str]:
    """A row's state label (`state.admin.badges.state_label`) in the page's language."""
    return chosen(label, STATE_WORDS)


def state_badge(label: Text, color: BadgeColor) -> rx.Component:
    """A state shown as a coloured badge."""
    return rx.badge(
        shown(label), color_scheme=color, variant="soft", radius="full", white_space="nowrap"
    )


def time_or_never(iso: Var[str], *, seconds: bool = False) -> Var[str]:
    """A moment (ISO 8601, UTC) compact for a table cell, or "Never" for ""."""
    return rx.cond(iso != "", table_time(iso, seconds=seconds), t(NEVER)).to(str)


def shown_range(state: type[PaginationState], noun: Text) -> Var[str]:
    """Which rows are shown, out of how many `noun`: "21-40 of 45 customers" (with an en dash)."""
    numbers = {
        "first": local_number(state.offset + 1),
        "last": local_number(state.offset + state.shown),
        "total": local_number(state.total),
        "noun": shown(noun),
    }
    return rx.cond(
        state.count_stopped,
        t("{first}\N{EN DASH}{last} of {total}+ {noun}", **numbers),
        t("{first}\N{EN DASH}{last} of {total} {noun}", **numbers),
    ).to(str)


def pager(state: type[PaginationState], noun: Text) -> rx.Component:
    """Which rows are shown, out of how many `noun`, with Previous and Next."""
    return pager_row(state, shown_range(state, noun))


def empty_state(icon: str, title: Text, advice: Text) -> rx.Component:
    """What an empty table shows: what is missing and what to do about it."""
    return rx.flex(
        rx.center(
            rx.icon(icon, size=22, color="var(--accent-11)"),
            width="44px",
            height="44px",
            border_radius="full",
            background="var(--accent-a3)",
        ),
        rx.heading(shown(title), as_="h2", size="3"),
        rx.text(shown(advice), size="2", color_scheme="gray", max_width="30rem"),
        direction="column",
        align="center",
        spacing="2",
        text_align="center",
        padding="40px 24px",
        border="1px dashed var(--gray-a6)",
        border_radius="var(--radius-4)",
    )


def loading_rows(what: Text) -> rx.Component:
    """Shown while a table's first page is on its way."""
    return rx.flex(
        rx.spinner(),
        rx.text(t("Loading {what}…", what=shown(what)), color_scheme="gray"),
        spacing="3",
    )
