"""`/admin`: the gateway at a glance — customers, channels by state, shared channels,
deliveries in the last hour and day by status, the queue, parked messages, and a chart of the
last day's deliveries per hour. The figures refresh by themselves every few seconds.

The task starts when the figures mount and ends when the visitor leaves (they unmount, the
route changes, or the session ends); React's development double mount starts it twice, and
the second start ends the first. Each refresh reads every figure in one transaction; the
state lock is held only to copy the results in."""

import asyncio
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import loading_rows
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.domain.console.dashboard import Overview, overview
from clawscale.models import ChannelStatus, DeliveryStatus
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.display import table_time
from clawscale.state.admin.session import ADMIN_HOME, AdminSessionState, AdminSignedOut, as_admin
from clawscale.state.backend import run_domain

REFRESH_SECONDS = 5.0
CHART_STATUSES = ("succeeded", "pending", "failed", "dead")


@dataclass(frozen=True)
class StateCount:
    """How many things are in one state, with its badge."""

    state: str
    label: str
    color: str
    count: int


def state_counts(counts: dict[str, int], states: tuple[str, ...]) -> list[StateCount]:
    """Every state of `states` in order (zeros included), then any other state counted."""
    ordered = [*states, *sorted(set(counts) - set(states))]
    return [
        StateCount(state, state_label(state), state_color(state), counts.get(state, 0))
        for state in ordered
    ]


def chart_points(figures: Overview) -> list[dict[str, int | str]]:
    """One point per hour for the chart: its start ("14:00") and its deliveries by status
    (sending counts as pending)."""
    points: list[dict[str, int | str]] = []
    for hour in figures.hours:
        counts = dict(hour.by_status)
        counts["pending"] = counts.get("pending", 0) + counts.pop("sending", 0)
        points.append(
            {"hour": f"{hour.start:%H:%M}", **{s: counts.get(s, 0) for s in CHART_STATUSES}}
        )
    return points


DELIVERY_STATES = tuple(status.value for status in DeliveryStatus)
CHANNEL_STATES = tuple(status.value for status in ChannelStatus)


class OverviewState(AdminSessionState):
    """The figures shown, when they were read, and the live refresh."""

    loaded: bool = False
    customers: int = 0
    channels: int = 0
    channel_states: list[StateCount] = rx.field(default_factory=list)
    shared_channels: int = 0
    last_hour: list[StateCount] = rx.field(default_factory=list)
    last_day: list[StateCount] = rx.field(default_factory=list)
    queue_depth: int = 0
    parked_inbound: int = 0
    chart: list[dict[str, int | str]] = rx.field(default_factory=list)
    as_of: str = ""
    live: bool = False
    _watch: int = 0

    def _show(self, figures: Overview) -> None:
        self.customers = figures.customers
        self.channels = figures.channels
        self.channel_states = state_counts(figures.channels_by_status, CHANNEL_STATES)
        self.shared_channels = figures.shared_channels
        self.last_hour = state_counts(figures.last_hour, DELIVERY_STATES)
        self.last_day = state_counts(figures.last_day, DELIVERY_STATES)
        self.queue_depth = figures.queue_depth
        self.parked_inbound = figures.parked_inbound
        self.chart = chart_points(figures)
        self.as_of = table_time(figures.as_of, seconds=True)
        self.loaded = True

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin and show the figures."""
        if not await self._refresh_session():
            return self._signed_out()
        try:
            figures = await self._as_admin(lambda db, _settings, _me: overview(db))
        except AdminSignedOut:
            return self._signed_out()
        self._show(figures)
        return None

    @rx.event
    def start(self) -> EventSpec:
        """The figures are on screen: refresh them until the page is left (a new start ends
        the refresh of an earlier one)."""
        self._watch += 1
        self.live = True
        return OverviewState.watch

    def _still_watching(self, watch: int) -> bool:
        return self.live and watch == self._watch and self.router.url.path == ADMIN_HOME

    @rx.event(background=True)
    async def watch(self) -> EventSpec | None:
        """Refresh the figures every few seconds while this page stays open."""
        async with self:
            watch, token = self._watch, self._session_token()
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            async with self:
                if not self._still_watching(watch):
                    return None
            try:
                figures = await run_domain(as_admin(token, lambda db, _settings, _me: overview(db)))
            except AdminSignedOut:
                async with self:
                    return self._signed_out()
            async with self:
                if not self._still_watching(watch):
                    return None
                self._show(figures)

    @rx.event
    def stop(self) -> None:
        """The page was left: the refresh ends at its next tick."""
        self.live = False


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
