"""Pagers of server-side paginated lists: which items are shown out of how many, with Previous
and Next. The console's tables word the range with their noun (`components/admin/tables.pager`);
a customer page's list shows it only while there is more than one page (`pager`)."""

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var

from clawscale.components.translated import local_number, t
from clawscale.state.admin.pagination import PaginationState


def pager_button(
    *content: rx.Component | Var[str], on_click: EventHandler, enabled: Var[bool]
) -> rx.Component:
    """A Previous or Next button; disabled at either end."""
    return rx.button(
        *content,
        on_click=on_click,
        disabled=~enabled,
        variant="soft",
        color_scheme="gray",
        size="2",
        cursor="pointer",
    )


def pager_row(state: type[PaginationState], showing: Var[str]) -> rx.Component:
    """`showing` (which items are shown), with Previous and Next."""
    return rx.flex(
        rx.text(showing, size="2", color_scheme="gray", role="status"),
        rx.flex(
            pager_button(
                rx.icon("chevron-left", size=16),
                t("Previous"),
                on_click=state.previous_page,
                enabled=state.has_previous,
            ),
            pager_button(
                t("Next"),
                rx.icon("chevron-right", size=16),
                on_click=state.next_page,
                enabled=state.has_next,
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="3",
    )


def pager(state: type[PaginationState], shown: Var[int]) -> rx.Component:
    """Which of `state`'s items are shown (`shown` of them on this page), with Previous and
    Next; nothing while one page holds them all."""
    showing = t(
        "{first}\N{EN DASH}{last} of {total}",
        first=local_number(state.offset + 1),
        last=local_number(state.offset + shown),
        total=local_number(state.total),
    )
    return rx.cond(state.has_previous | state.has_next, pager_row(state, showing), rx.fragment())
