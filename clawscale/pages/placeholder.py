"""One "coming soon" page, built from a row of the page table."""

import reflex as rx

from clawscale.pages.catalogue import SECTION_LABELS, PageSpec
from clawscale.pages.layout import PRODUCT_NAME, page_layout


def page_title(spec: PageSpec) -> str:
    """The browser tab title of a page."""
    return f"{spec.title} · {PRODUCT_NAME}"


def placeholder_page(spec: PageSpec) -> rx.Component:
    """The page for `spec`: its section, title, what it will do, and a coming-soon notice."""
    return page_layout(
        rx.flex(
            rx.text(
                SECTION_LABELS[spec.section],
                size="2",
                weight="medium",
                color_scheme="indigo",
                text_transform="uppercase",
                letter_spacing="0.06em",
            ),
            rx.heading(spec.title, as_="h1", size=rx.breakpoints(initial="7", sm="8")),
            rx.text(spec.description, as_="p", size="4", color_scheme="gray"),
            rx.callout(
                "Coming soon — this page is being built.",
                icon="construction",
                variant="surface",
                margin_top="8px",
                width="fit-content",
                max_width="100%",
            ),
            direction="column",
            spacing="3",
            max_width="42rem",
            padding_y=rx.breakpoints(initial="40px", sm="64px"),
        ),
        section=spec.section,
        current_route=spec.route,
    )
