"""The shared page frame: a header with the product name and section navigation, the main
content, and a footer."""

import reflex as rx

from clawscale.pages.catalogue import Section, nav_pages
from clawscale.pages.links import nav_link

PRODUCT_NAME = "ClawScale"
CONTENT_PADDING = rx.breakpoints(initial="16px", sm="24px")


def brand(section: Section) -> rx.Component:
    """The product mark and name, linking home; admin pages add an "Admin" badge."""
    mark = rx.center(
        rx.icon("waypoints", size=18, color="white"),
        width="32px",
        height="32px",
        border_radius="var(--radius-3)",
        background="linear-gradient(135deg, var(--accent-9), var(--accent-11))",
        flex_shrink="0",
    )
    parts = [mark, rx.text(PRODUCT_NAME, size="5", weight="bold", high_contrast=True)]
    if section is Section.ADMIN:
        parts.append(rx.badge("Admin", variant="soft", radius="full"))
    return rx.link(
        rx.flex(*parts, align="center", spacing="2"),
        href="/admin" if section is Section.ADMIN else "/",
        underline="none",
        aria_label=f"{PRODUCT_NAME} home",
    )


def site_header(section: Section, current_route: str) -> rx.Component:
    """The top bar: brand on the left, the section's navigation on the right (wrapping)."""
    links = [
        nav_link(page.title, page.route, active=page.route == current_route)
        for page in nav_pages(section)
    ]
    return rx.el.header(
        rx.container(
            rx.flex(
                brand(section),
                rx.el.nav(
                    rx.flex(*links, spacing="1", wrap="wrap"),
                    aria_label=f"{section.value.capitalize()} navigation",
                    margin_inline="-10px",
                ),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            size="4",
            padding_x=CONTENT_PADDING,
            padding_y="12px",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background="var(--color-panel-translucent)",
        backdrop_filter="blur(12px)",
        border_bottom="1px solid var(--gray-a4)",
    )


def site_footer() -> rx.Component:
    """The bottom bar: what the product is, and the way into the admin console."""
    return rx.el.footer(
        rx.container(
            rx.flex(
                rx.text(
                    f"© {PRODUCT_NAME} Gateway — a multi-tenant IM gateway for AI agents.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.flex(
                    rx.link("Home", href="/", size="2", color_scheme="gray"),
                    rx.link("Admin console", href="/admin/login", size="2", color_scheme="gray"),
                    spacing="4",
                ),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            size="4",
            padding_x=CONTENT_PADDING,
            padding_y="20px",
        ),
        border_top="1px solid var(--gray-a4)",
        background="var(--gray-a2)",
    )


def page_layout(*children: rx.Component, section: Section, current_route: str) -> rx.Component:
    """Wrap page content in the site frame; the footer stays at the bottom of short pages."""
    return rx.flex(
        site_header(section, current_route),
        rx.el.main(
            rx.container(*children, size="4", padding_x=CONTENT_PADDING),
            flex_grow="1",
        ),
        site_footer(),
        direction="column",
        min_height="100vh",
    )
