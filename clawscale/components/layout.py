"""The shared page frame: a header with the product name, the navigation and the language
switch, the main content, and a footer. The frame shows once the page's language is settled, so
no word flashes in the other language."""

import reflex as rx
from reflex.vars import Var

from clawscale.components.catalogue import ADMIN_SECTIONS, PageSpec, Section
from clawscale.components.links import nav_link
from clawscale.components.navigation import CUSTOMER_NAV, SIGNED_OUT_NAV, NavItem
from clawscale.components.translated import language_switch, t
from clawscale.i18n.catalogs import N_
from clawscale.settings import Environment, Settings, get_settings
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.locale import LocaleState

PRODUCT_NAME = "ClawScale"
LOGO = "/logo.svg"
"""The product mark, served from `assets/` (as is `favicon.svg`, the same mark)."""
CONTENT_PADDING = rx.breakpoints(initial="16px", sm="24px")
DEV_MAILBOX_ROUTE = "/dev/mailbox"


def page_title(spec: PageSpec) -> Var[str]:
    """The browser tab title of a page, in its language."""
    return t("{title} · ClawScale", title=t(spec.title))


def settled(*children: rx.Component) -> rx.Component:
    """`children` once the page's language is known; an empty page until then."""
    return rx.cond(LocaleState.settled, rx.fragment(*children), rx.box(min_height="100vh"))


def is_development(settings: Settings) -> bool:
    """Whether the app runs in development (the development mailbox exists)."""
    return settings.CLAWSCALE_ENV is Environment.DEVELOPMENT


def brand(section: Section) -> rx.Component:
    """The product mark and name, linking home; admin pages add an "Admin" badge and link to
    the console's overview."""
    mark = rx.image(src=LOGO, alt="", width="32px", height="32px", flex_shrink="0")
    parts = [mark, rx.text(PRODUCT_NAME, size="5", weight="bold", high_contrast=True)]
    admin = section in ADMIN_SECTIONS
    if admin:
        parts.append(rx.badge(t("Admin"), variant="soft", radius="full"))
    return rx.link(
        rx.flex(*parts, align="center", spacing="2"),
        href="/admin" if admin else "/",
        underline="none",
        aria_label=t("ClawScale home"),
    )


def nav_links(items: tuple[NavItem, ...], current_route: str) -> rx.Component:
    """A row of header links, the current page's highlighted."""
    links = [
        nav_link(t(item.label), item.route, active=item.route == current_route) for item in items
    ]
    return rx.flex(*links, spacing="1", wrap="wrap")


def section_nav(section: Section, current_route: str) -> rx.Component:
    """The links follow the visitor's session (nothing until it is known, so the wrong links
    never flash); the admin sign-in has no navigation (the console has its own)."""
    if section in ADMIN_SECTIONS:
        return rx.fragment()
    links = rx.cond(
        CustomerSessionState.session_checked,
        rx.cond(
            CustomerSessionState.signed_in,
            nav_links(CUSTOMER_NAV, current_route),
            nav_links(SIGNED_OUT_NAV, current_route),
        ),
        rx.fragment(),
    )
    return rx.el.nav(
        links,
        aria_label=t("Site navigation"),
        margin_inline="-10px",
    )


def site_header(section: Section, current_route: str) -> rx.Component:
    """The top bar: brand on the left, the navigation and the language switch on the right
    (wrapping)."""
    return rx.el.header(
        rx.container(
            rx.flex(
                brand(section),
                rx.flex(
                    section_nav(section, current_route),
                    language_switch(),
                    align="center",
                    spacing="3",
                    wrap="wrap",
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


def footer_links() -> list[rx.Component]:
    """Home, the admin console, and in development the mailbox of kept emails."""
    targets = [(N_("Home"), "/"), (N_("Admin console"), "/admin/login")]
    if is_development(get_settings()):
        targets.append((N_("Development mailbox"), DEV_MAILBOX_ROUTE))
    return [rx.link(t(label), href=href, size="2", color_scheme="gray") for label, href in targets]


def site_footer() -> rx.Component:
    """The bottom bar: what the product is, and the way into the admin console."""
    return rx.el.footer(
        rx.container(
            rx.flex(
                rx.text(
                    t("© ClawScale Gateway — a multi-tenant IM gateway for AI agents."),
                    size="2",
                    color_scheme="gray",
                ),
                rx.flex(*footer_links(), spacing="4", wrap="wrap"),
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
    return settled(
        rx.flex(
            site_header(section, current_route),
            rx.el.main(
                rx.container(*children, size="4", padding_x=CONTENT_PADDING),
                flex_grow="1",
            ),
            site_footer(),
            direction="column",
            min_height="100vh",
        ),
    )
