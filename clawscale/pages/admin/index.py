"""`/admin`: the gateway at a glance — customers, channels by state, shared channels,
deliveries in the last hour and day by status, the queue, parked messages, and a chart of the
last day's deliveries per hour. The figures refresh by themselves every few seconds.

The task starts when the figures mount and ends when the visitor leaves (they unmount, the
route changes, or the session ends); React's development double mount starts it twice, and
the second start ends the first. Each refresh reads every figure in one transaction; the
state lock is held only to copy the results in."""

import asyncio

import reflex as rx
from reflex.components.core.banner import has_connection_errors
from reflex.event import EventSpec
from reflex.vars import Var

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import loading_rows, state_words
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.translated import local_number, t, table_time
from clawscale.domain.console.dashboard import Overview, overview
from clawscale.i18n.catalogs import N_
from clawscale.models import ChannelStatus, DeliveryStatus
from clawscale.state.admin.badges import STATE_LABELS, StateCount, state_counts
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.session import ADMIN_HOME, AdminSessionState, AdminSignedOut, as_admin
from clawscale.state.backend import run_domain

REFRESH_SECONDS = 5
CHART_STATUSES = ("succeeded", "pending", "failed", "dead")


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
        self.as_of = iso_time(figures.as_of)
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
    N_("Overview"),
    N_("Gateway health at a glance: customers, channels, deliveries and the backlog."),
    Section.ADMIN,
)
CHART_SERIES = (
    ("succeeded", "var(--green-9)"),
    ("pending", "var(--amber-8)"),
    ("failed", "var(--orange-9)"),
    ("dead", "var(--red-9)"),
)


def stat_card(label: Var[str], value: Var[int], hint: Var[str], icon: str) -> rx.Component:
    """One headline figure."""
    return rx.card(
        rx.flex(
            rx.flex(
                rx.icon(icon, size=16, color="var(--accent-11)"),
                rx.text(label, size="2", color_scheme="gray", weight="medium"),
                align="center",
                spacing="2",
            ),
            rx.text(local_number(value), size="7", weight="bold", aria_label=label),
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
        state_words(item.label),
        rx.text.strong(local_number(item.count)),
        color_scheme=item.color,  # type: ignore[arg-type]
        variant="soft",
        radius="full",
        size="2",
        white_space="nowrap",
    )


def breakdown(title: Var[str], items: Var[list[StateCount]]) -> rx.Component:
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
            rx.heading(t("Deliveries per hour, last 24 hours (UTC)"), as_="h2", size="3"),
            rx.recharts.bar_chart(
                *(
                    rx.recharts.bar(
                        data_key=key, stack_id="status", fill=colour, name=t(STATE_LABELS[key])
                    )
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
        aria_label=t("Deliveries per hour"),
    )


def live_line() -> rx.Component:
    """When the figures were read, and that they refresh by themselves; `Offline` while the
    page's connection to the backend is down (the figures then stand still)."""
    return rx.cond(
        has_connection_errors,
        status_line(
            "var(--red-9)",
            t("Offline · reconnecting; these figures are from {time} UTC", time=read_at()),
        ),
        status_line(
            "var(--green-9)",
            t(
                "Live · refreshed {time} UTC, every {seconds} seconds",
                time=read_at(),
                seconds=REFRESH_SECONDS,
            ),
        ),
    )


def read_at() -> Var[str]:
    """When the figures were read, to the second."""
    return table_time(OverviewState.as_of, seconds=True)


def status_line(colour: str, text: Var[str]) -> rx.Component:
    """A coloured dot and a line of status."""
    return rx.flex(
        rx.box(width="8px", height="8px", border_radius="50%", background=colour),
        rx.text(text, size="1", color_scheme="gray"),
        align="center",
        spacing="2",
        role="status",
    )


def figures() -> rx.Component:
    """Every figure of the overview."""
    return rx.flex(
        live_line(),
        rx.grid(
            stat_card(t("Customers"), OverviewState.customers, t("accounts, all kinds"), "users"),
            stat_card(
                t("Channels"), OverviewState.channels, t("personal and shared"), "radio-tower"
            ),
            stat_card(
                t("Shared channels"),
                OverviewState.shared_channels,
                t("owned by agents"),
                "share-2",
            ),
            stat_card(
                t("Queue depth"),
                OverviewState.queue_depth,
                t("pending, sending, failed"),
                "inbox",
            ),
            stat_card(
                t("Parked messages"),
                OverviewState.parked_inbound,
                t("waiting for an agent binding"),
                "circle-pause",
            ),
            columns=rx.breakpoints(initial="2", sm="3", lg="5"),
            spacing="3",
        ),
        rx.grid(
            breakdown(t("Deliveries, last hour"), OverviewState.last_hour),
            breakdown(t("Deliveries, last 24 hours"), OverviewState.last_day),
            breakdown(t("Channels by state"), OverviewState.channel_states),
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
    return console_page(
        SPEC, rx.cond(OverviewState.loaded, figures(), loading_rows(N_("the figures")))
    )


PAGE = SitePage(SPEC, overview_page, on_load=(OverviewState.load,))
