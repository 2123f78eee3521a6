"""The pager of a customer page's server-side paginated list: which items are shown out of how
many, with Previous and Next (the console's tables have their own, in `components/admin`)."""

import reflex as rx
from reflex.vars import Var

from clawscale.components.admin.tables import pager_button
from clawscale.components.translated import local_number, t
from clawscale.state.admin.pagination import PaginationState


def pager(state: type[PaginationState], shown: Var[int]) -> rx.Component:
    """Which of `state`'s items are shown (`shown` of them on this page), with Previous and
    Next; nothing while one page holds them all."""
    showing = t(
        "{first}\N{EN DASH}{last} of {total}",
        first=local_number(state.offset + 1),
        last=local_number(state.offset + shown),
        total=local_number(state.total),
    )
    return rx.cond(
        state.has_previous | state.has_next,
        rx.flex(
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
        ),
        rx.fragment(),
    )
