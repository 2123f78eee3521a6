"""The admin console's frame: a sidebar (a top bar below laptop width) with the console's
navigation and the signed-in admin, beside the page's heading and content.

Content shows once the admin guard has passed, so a signed-out visitor never sees it.
"""

import reflex as rx
from reflex_base.breakpoints import Breakpoints

from clawscale.components.catalogue import PageSpec, Section
from clawscale.components.layout import brand, settled
from clawscale.components.links import nav_link
from clawscale.components.navigation import ADMIN_NAV
from clawscale.components.shell import page_heading, waiting
from clawscale.components.translated import language_switch, t
from clawscale.state.admin.session import AdminSessionState

SIDEBAR_WIDTH = "16rem"
CONSOLE_WIDTH = "72rem"
PADDING = rx.breakpoints(initial="16px", sm="24px", md="32px")


def wide(narrow: str, wide_value: str) -> Breakpoints[str, str]:
    """A CSS value that changes at laptop width (Reflex's `md`, 62em), where the top bar
    becomes a sidebar. Only for style props: Radix props have breakpoints of their own."""
    return rx.breakpoints(initial=narrow, md=wide_value)


def nav_route_of(current_route: str) -> str:
    """The navigation entry a page belongs to: the longest entry route that is the page's route
    or a folder above it (a shared channel's detail belongs to Shared channels)."""
    owning = [
        item.route
        for item in ADMIN_NAV
        if current_route == item.route or current_route.startswith(item.route + "/")
    ]
    return max(owning, key=len, default="")


def console_nav(current_route: str) -> rx.Component:
    """Every console page: a column in the sidebar, wrapping rows in the top bar."""
    active_route = nav_route_of(current_route)
    links = [
        nav_link(t(item.label), item.route, active=item.route == active_route, icon=item.icon)
        for item in ADMIN_NAV
    ]
    return rx.el.nav(
        rx.flex(
            *links,
            flex_direction=wide("row", "column"),
            flex_wrap=wide("wrap", "nowrap"),
            gap="4px",
        ),
        aria_label=t("Admin navigation"),
        margin_inline=wide("-10px", "0"),
    )


def admin_identity() -> rx.Component:
    """The signed-in admin's email (shortened when long, whole on hover; left out on phones)
    and Sign out."""
    email = AdminSessionState.admin_email
    who = rx.flex(
        rx.icon("circle-user-round", size=20, color="var(--accent-11)", flex_shrink="0"),
        rx.flex(
            rx.text(t("Signed in as"), size="1", color_scheme="gray", white_space="nowrap"),
            rx.text(
                email,
                size="2",
                weight="medium",
                title=email,
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            direction="column",
            min_width="0",
        ),
        align="center",
        spacing="2",
        min_width="0",
        max_width=wide("18rem", "100%"),
        display=rx.breakpoints(initial="none", xs="flex"),
    )
    sign_out = rx.button(
        rx.icon("log-out", size=16),
        t("Sign out"),
        on_click=AdminSessionState.sign_out,
        variant="soft",
        color_scheme="gray",
        size="2",
        cursor="pointer",
        flex_shrink="0",
    )
    return rx.cond(
        AdminSessionState.signed_in,
        rx.flex(
            who,
            sign_out,
            flex_direction=wide("row", "column"),
            align_items=wide("center", "stretch"),
            justify_content="end",
            gap="12px",
            min_width="0",
        ),
        rx.fragment(),
    )


def console_header(current_route: str) -> rx.Component:
    """The sidebar (laptop and wider) or top bar: brand, navigation, and who is signed in."""
    return rx.el.header(
        rx.box(
            rx.box(brand(Section.ADMIN), grid_area="brand"),
            rx.box(admin_identity(), grid_area="who", min_width="0"),
            rx.box(console_nav(current_route), grid_area="nav", min_width="0"),
            display="grid",
            grid_template_areas=wide('"brand who" "nav nav"', '"brand" "nav" "." "who"'),
            grid_template_columns=wide("auto minmax(0, 1fr)", "minmax(0, 1fr)"),
            grid_template_rows=wide("auto auto", "auto auto 1fr auto"),
            align_items="center",
            gap=wide("12px 16px", "24px"),
            height="100%",
            padding=PADDING,
            padding_y=wide("12px", "24px"),
        ),
        position=wide("relative", "sticky"),
        top="0",
        flex_shrink="0",
        width=wide("100%", SIDEBAR_WIDTH),
        height=wide("auto", "100vh"),
        overflow_y=wide("visible", "auto"),
        background="var(--gray-a2)",
        border_bottom=wide("1px solid var(--gray-a4)", "none"),
        border_right=wide("none", "1px solid var(--gray-a4)"),
    )


def console_footer() -> rx.Component:
    """A quiet line at the bottom of every console page."""
    return rx.el.footer(
        rx.flex(
            rx.text(t("ClawScale Gateway · admin console"), size="1", color_scheme="gray"),
            rx.link(t("Customer site"), href="/", size="1", color_scheme="gray"),
            language_switch(),
            justify="between",
            wrap="wrap",
            spacing="3",
        ),
        padding_x=PADDING,
        padding_y="16px",
        border_top="1px solid var(--gray-a3)",
    )


def guarded(*children: rx.Component) -> rx.Component:
    """`children` once the guard has confirmed a signed-in admin; a spinner until then."""
    return rx.cond(
        AdminSessionState.signed_in,
        rx.flex(*children, direction="column", spacing="5", width="100%"),
        waiting(t("Checking your session…")),
    )


def console_page(spec: PageSpec, *body: rx.Component) -> rx.Component:
    """A console page: the frame, the page's heading, and its guarded `body`."""
    return settled(
        rx.flex(
            console_header(spec.route),
            rx.flex(
                rx.el.main(
                    rx.flex(
                        page_heading(spec, centred=False),
                        guarded(*body),
                        direction="column",
                        spacing="6",
                        max_width=CONSOLE_WIDTH,
                        width="100%",
                    ),
                    flex_grow="1",
                    padding=PADDING,
                    padding_y=rx.breakpoints(initial="24px", md="40px"),
                ),
                console_footer(),
                direction="column",
                flex_grow="1",
                min_width="0",
            ),
            flex_direction=wide("column", "row"),
            min_height="100vh",
        ),
    )
