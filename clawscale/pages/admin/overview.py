"""`/admin`: the gateway at a glance — customers, channels by state, shared channels,
deliveries in the last hour and day by status, the queue, parked messages, and a chart of the
last day's deliveries per hour. The figures refresh by themselves every few seconds."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import loading_rows
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.state.admin.overview import REFRESH_SECONDS, OverviewState, StateCount

SPEC = PageSpec(
    "/admin",
    "Overview",
    "Gateway health at a glance: customers, channels, deliveries and the backlog.",
    Section.ADMIN,
)
CHART_SERIES = (
    ("succeeded", "var(--green-9)"),
    ("pending", "var(--amber-8)"),
    ("failed", "var(--orange-9)"),
    ("dead", "var(--red-9)"),
)


def stat_card(label: str, value: Var[int], hint: str, icon: str) -> rx.Component:
    """One headline figure."""
    return rx.card(
        rx.flex(
            rx.flex(
                rx.icon(icon, size=16, color="var(--accent-11)"),
                rx.text(label, size="2", color_scheme="gray", weight="medium"),
                align="center",
                spacing="2",
            ),
            rx.text(value, size="7", weight="bold", aria_label=label),
            rx.text(hint, size="1", color_scheme="gray"),
            direction="column",
            spacing="1",
        ),
        role="group",
        aria_label=label,
    )


def count_badge(item: Var[StateCount]) -> rx.Component:
    """A state and how many are in it."""
    return rx.badge(
        item.label,
        rx.text.strong(item.count),
        color_scheme=item.color,  # type: ignore[arg-type]
        variant="soft",
        radius="full",
        size="2",
        white_space="nowrap",
    )


def breakdown(title: str, items: Var[list[StateCount]]) -> rx.Component:
    """A titled row of state badges with counts."""
    return rx.card(
        rx.flex(
            rx.heading(title, as_="h2", size="3"),
            rx.flex(rx.foreach(items, count_badge), wrap="wrap", spacing="2"),
            direction="column",
            spacing="3",
        ),
        role="group",
        aria_label=title,
    )


def chart() -> rx.Component:
    """Deliveries per hour over the last day, stacked by status."""
    return rx.card(
        rx.flex(
            rx.heading("Deliveries per hour, last 24 hours (UTC)", as_="h2", size="3"),
            rx.recharts.bar_chart(
                *(
                    rx.recharts.bar(data_key=key, stack_id="status", fill=colour, name=key)
                    for key, colour in CHART_SERIES
                ),
                rx.recharts.x_axis(data_key="hour", interval="preserveStartEnd", font_size=11),
                rx.recharts.y_axis(allow_decimals=False, width=36, font_size=11),
                rx.recharts.graphing_tooltip(),
                rx.recharts.legend(),
                data=OverviewState.chart,
                width="100%",
                height=260,
            ),
            direction="column",
            spacing="3",
        ),
        role="group",
        aria_label="Deliveries per hour",
    )


def live_line() -> rx.Component:
    """When the figures were read, and that they refresh by themselves."""
    return rx.flex(
        rx.box(width="8px", height="8px", border_radius="50%", background="var(--green-9)"),
        rx.text(
            "Live · refreshed ",
            rx.el.span(OverviewState.as_of, id="overview-as-of"),
            f" UTC, every {REFRESH_SECONDS:g} seconds",
            size="1",
            color_scheme="gray",
        ),
        align="center",
        spacing="2",
        role="status",
    )


def figures() -> rx.Component:
    """Every figure of the overview."""
    return rx.flex(
        live_line(),
        rx.grid(
            stat_card("Customers", OverviewState.customers, "accounts, all kinds", "users"),
            stat_card("Channels", OverviewState.channels, "personal and shared", "radio-tower"),
            stat_card(
                "Shared channels", OverviewState.shared_channels, "owned by agents", "share-2"
            ),
            stat_card(
                "Queue depth", OverviewState.queue_depth, "pending, sending, failed", "inbox"
            ),
            stat_card(
                "Parked messages",
                OverviewState.parked_inbound,
                "waiting for an agent binding",
                "circle-pause",
            ),
            columns=rx.breakpoints(initial="2", sm="3", lg="5"),
            spacing="3",
        ),
        rx.grid(
            breakdown("Deliveries, last hour", OverviewState.last_hour),
            breakdown("Deliveries, last 24 hours", OverviewState.last_day),
            breakdown("Channels by state", OverviewState.channel_states),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="3",
        ),
        chart(),
        direction="column",
        spacing="4",
        on_mount=OverviewState.start,
        on_unmount=OverviewState.stop,
    )


def overview_page() -> rx.Component:
    """The overview, once its first figures are in."""
    return console_page(SPEC, rx.cond(OverviewState.loaded, figures(), loading_rows("the figures")))


PAGE = SitePage(SPEC, overview_page, on_load=(OverviewState.load,))
