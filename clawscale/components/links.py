"""Link components shared by the pages: navigation links and links that look like buttons."""

from typing import Literal

import reflex as rx
from reflex.vars import Var
from reflex_components_core.react_router.dom import ReactRouterLink

ButtonVariant = Literal["solid", "soft", "outline", "surface", "ghost"]
ButtonSize = Literal["1", "2", "3", "4"]


def nav_link(label: str | Var[str], href: str, *, active: bool, icon: str = "") -> rx.Component:
    """A navigation link, highlighted (and marked `aria-current`) on the current page; with an
    `icon` (a Lucide name) before its label."""
    content = (
        rx.flex(rx.icon(icon, size=16, flex_shrink="0"), label, align="center", spacing="2")
        if icon
        else label
    )
    return rx.link(
        content,
        href=href,
        size="2",
        weight="medium",
        underline="none",
        high_contrast=active,
        color_scheme="indigo" if active else "gray",
        custom_attrs={"aria-current": "page"} if active else {},
        padding="6px 10px",
        border_radius="var(--radius-2)",
        background="var(--accent-a3)" if active else "transparent",
        white_space="nowrap",
        _hover={"background": "var(--gray-a3)", "color": "var(--gray-12)"},
    )


def button_link(
    label: str | Var[str], href: str, *, variant: ButtonVariant = "solid", size: ButtonSize = "3"
) -> rx.Component:
    """A client-side navigation link rendered as a button: one `<a>`, no nested controls."""
    return rx.button(
        ReactRouterLink.create(label, to=href),
        as_child=True,
        variant=variant,
        size=size,
        cursor="pointer",
    )
