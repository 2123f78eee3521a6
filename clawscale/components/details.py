"""Labelled details and titled cards, as the account pages show them."""

import reflex as rx
from reflex.vars import Var


def detail(label: str, value: rx.Component | Var) -> rx.Component:
    """One labelled value of a details list."""
    return rx.data_list.item(rx.data_list.label(label, min_width="9rem"), rx.data_list.value(value))


def section_card(title: str, *children: rx.Component) -> rx.Component:
    """A titled card of the account page."""
    return rx.card(
        rx.flex(rx.heading(title, as_="h2", size="4"), *children, direction="column", spacing="4"),
        size="3",
    )
