"""Labelled details and titled cards, as the account pages show them."""

import reflex as rx
from reflex.vars import Var

from clawscale.components.translated import shown


def detail(label: str | Var[str], value: rx.Component | Var) -> rx.Component:
    """One labelled value of a details list; `label` a Var or an `N_`-marked message id."""
    return rx.data_list.item(
        rx.data_list.label(shown(label), min_width="9rem"), rx.data_list.value(value)
    )


def section_card(title: str | Var[str], *children: rx.Component) -> rx.Component:
    """A titled card of the account page; `title` a Var or an `N_`-marked message id."""
    return rx.card(
        rx.flex(
            rx.heading(shown(title), as_="h2", size="4"), *children, direction="column", spacing="4"
        ),
        size="3",
    )
