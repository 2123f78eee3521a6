"""`/admin/deliveries`: the outbox, newest (or oldest) first, filtered by status, time range,
channel and customer and paged by keyset cursors; a delivery's attempts in a dialog; and Retry
on a dead delivery."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    time_or_never,
)
from clawscale.components.admin.widgets import (
    clamped,
    confirm_dialog,
    detail_dialog,
    facts,
    filter_bar,
    filter_input,
    filter_link,
    filter_select,
    row_badge,
    row_button,
    table_with_pager,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer
from clawscale.components.translated import chosen, t, table_time
from clawscale.domain.outbox.dispatch import retry_dead_delivery
from clawscale.domain.outbox.queries import (
    CREATED,
    FAILURES,
    DeliveryFilter,
    decode_cursor,
    delivery_attempts,
    list_deliveries,
)
from clawscale.domain.sorting import Sort
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount, DeliveryAttempt, DeliveryStatus, OutboundDelivery
from clawscale.models.base import utcnow
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.delivery_rows import DeliveryRow, delivery_rows
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut

PROBLEMS = "problems"
COUNTED_UP_TO = 10_000
"""The page counts matching deliveries up to here, then says "10,000+": an exact count of a
million rows would cost more than the page itself."""
ALL = "all"
STATUS_CHOICES: dict[str, str] = {
    PROBLEMS: N_("Failed and dead"),
    ALL: N_("Every status"),
    **{status.value: state_label(status.value) for status in DeliveryStatus},
}
ANY_TIME = "any"
TIME_RANGES: dict[str, tuple[str, timedelta | None]] = {
    ANY_TIME: (N_("Any time"), None),
    "1h": (N_("Last hour"), timedelta(hours=1)),
    "24h": (N_("Last 24 hours"), timedelta(days=1)),
    "7d": (N_("Last 7 days"), timedelta(days=7)),
    "30d": (N_("Last 30 days"), timedelta(days=30)),
}
TIME_CHOICES: dict[str, str] = {choice: words for choice, (words, _) in TIME_RANGES.items()}
NOT_DEAD = N_("This delivery is no longer dead, so there is nothing to retry.")
GONE = N_("That delivery no longer exists.")
RETRIED = N_("The delivery is pending again: the dispatcher will send it shortly.")
ANSWERS = (NOT_DEAD, GONE, RETRIED)


@dataclass(frozen=True)
class AttemptRow:
    """One try at sending, as the detail shows it (times as ISO strings, "" when unfinished)."""

    number: int
    started: str
    finished: str
    outcome: str
    outcome_color: str
    provider_message_id: str
    error: str


def statuses_of(choice: str) -> tuple[DeliveryStatus, ...]:
    """The statuses a status choice lists (none means every status)."""
    if choice == PROBLEMS:
        return FAILURES
    if choice in {status.value for status in DeliveryStatus}:
        return (DeliveryStatus(choice),)
    return ()


def since_of(choice: str, now: datetime) -> datetime | None:
    """Where a time range choice starts, counted back from `now`; None for any time."""
    _words, span = TIME_RANGES.get(choice, TIME_RANGES[ANY_TIME])
    return None if span is None else now - span


def attempt_row(attempt: DeliveryAttempt) -> AttemptRow:
    """An attempt in words."""
    outcome = "succeeded" if attempt.succeeded else "failed"
    return AttemptRow(
        number=attempt.attempt_number,
        started=iso_time(attempt.started_at),
        finished=iso_time(attempt.finished_at),
        outcome=state_label(outcome),
        outcome_color=state_color(outcome),
        provider_message_id=attempt.provider_message_id or "",
        error=attempt.error or "",
    )


@dataclass(frozen=True)
class DeliveriesPage(TablePage[DeliveryRow]):
    """A page of deliveries, and the cursor of the next page ("" at the end)."""

    next_cursor: str = ""


def deliveries_page(
    db: Session, selection: DeliveryFilter, sort: Sort, number: int, cursor: str
) -> DeliveriesPage:
    """Page `number` of `selection` in `sort` order, starting after `cursor` ("" for the
    first page)."""
    after = decode_cursor(cursor) if cursor else None
    page = list_deliveries(
        db, selection, PAGE_SIZE, after=after, sort=sort, count_up_to=COUNTED_UP_TO
    )
    return DeliveriesPage(
        delivery_rows(db, page.items), number * PAGE_SIZE, page.total, page.next_cursor or ""
    )


def delivery_detail(db: Session, delivery_id: str) -> tuple[DeliveryRow, list[AttemptRow]] | None:
    """One delivery and its attempts, first to last; None when it is gone."""
    delivery = db.get(OutboundDelivery, delivery_id)
    if delivery is None:
        return None
    attempts = [attempt_row(attempt) for attempt in delivery_attempts(db, delivery_id)]
    return delivery_rows(db, [delivery])[0], attempts


def retry_delivery(db: Session, admin: AdminAccount, delivery_id: str) -> DeliveryRow | None:
    """Make a dead delivery due again, audited in the same transaction; the row as it now is,
    or None when it was not dead."""
    delivery = retry_dead_delivery(db, admin.id, delivery_id)
    if delivery is None:
        return None
    return delivery_rows(db, [delivery])[0]


class DeliveriesState(SortedPaginationState, AdminSessionState):
    """The filtered page of deliveries, the delivery shown in detail, and the retry asked for.

    Pages follow keyset cursors: `cursors[n]` starts page n ("" for the first), so Previous
    goes back to a cursor already seen and Next to the one the last page returned.
    """

    rows: list[DeliveryRow] = rx.field(default_factory=list)
    loaded: bool = False
    status_filter: str = PROBLEMS
    channel_filter: str = ""
    customer_filter: str = ""
    time_filter: str = ANY_TIME
    _since: datetime | None = None
    cursors: list[str] = rx.field(default_factory=lambda: [""])
    detail_open: bool = False
    detail: DeliveryRow = rx.field(default_factory=DeliveryRow)
    attempts: list[AttemptRow] = rx.field(default_factory=list)
    confirm_open: bool = False
    retry_id: str = ""
    retrying: bool = False
    notice: str = ""
    problem: str = ""

    def _selection(self) -> DeliveryFilter:
        return DeliveryFilter(
            statuses=statuses_of(self.status_filter),
            channel_id=self.channel_filter.strip() or None,
            customer_id=self.customer_filter.strip() or None,
            since=self._since,
        )

    async def _load_page(self) -> EventSpec | None:
        number = min(self.offset // PAGE_SIZE, len(self.cursors) - 1)
        selection, sort, cursor = self._selection(), self._sort(), self.cursors[number]
        return await self._load_rows(
            lambda db, _settings, _me: deliveries_page(db, selection, sort, number, cursor)
        )

    def _show_rows(self, page: TablePage[DeliveryRow]) -> None:
        super()._show_rows(page)
        self._show_page(page.offset, len(page.rows), page.total, COUNTED_UP_TO)
        next_cursor = page.next_cursor if isinstance(page, DeliveriesPage) else ""
        number = page.offset // PAGE_SIZE
        self.cursors = [*self.cursors[: number + 1], *([next_cursor] if next_cursor else [])]
        self.has_next = bool(next_cursor)

    async def _first_page(self) -> EventSpec | None:
        self.cursors = [""]
        self._since = since_of(self.time_filter, utcnow())
        return await super()._first_page()

    def _replace_row(self, row: DeliveryRow) -> None:
        self.rows = [row if shown.id == row.id else shown for shown in self.rows]
        if self.detail.id == row.id:
            self.detail = row

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the newest failed and dead deliveries."""
        if not await self._refresh_session():
            return self._signed_out()
        self.status_filter, self.channel_filter, self.customer_filter = PROBLEMS, "", ""
        self.time_filter = ANY_TIME
        self.notice, self.problem = "", ""
        self.detail_open = self.confirm_open = False
        self._reset_sort(CREATED, descending=True)
        return await self._first_page()

    @rx.event
    async def set_status(self, choice: str) -> EventSpec | None:
        """Another status choice: its first page at once."""
        self.status_filter = choice if choice in STATUS_CHOICES else PROBLEMS
        return await self._first_page()

    @rx.event
    async def set_time_range(self, choice: str) -> EventSpec | None:
        """Another time range: its first page at once, counted back from now."""
        self.time_filter = choice if choice in TIME_RANGES else ANY_TIME
        return await self._first_page()

    @rx.event
    def set_channel_filter(self, value: str) -> None:
        """The channel id being typed."""
        self.channel_filter = value

    @rx.event
    def set_customer_filter(self, value: str) -> None:
        """The customer id being typed."""
        self.customer_filter = value

    @rx.event
    async def apply_filters(self, _form_data: dict[str, str]) -> EventSpec | None:
        """The channel and customer typed: their first page."""
        return await self._first_page()

    @rx.event
    async def only_customer(self, customer_id: str) -> EventSpec | None:
        """Just this customer's deliveries."""
        self.customer_filter = customer_id
        return await self._first_page()

    @rx.event
    async def only_channel(self, channel_id: str) -> EventSpec | None:
        """Just this channel's deliveries."""
        self.channel_filter = channel_id
        return await self._first_page()

    @rx.event
    async def clear_filters(self) -> EventSpec | None:
        """Back to the failed and dead deliveries of every channel and customer, at any time."""
        self.status_filter, self.channel_filter, self.customer_filter = PROBLEMS, "", ""
        self.time_filter = ANY_TIME
        return await self._first_page()

    @rx.event
    async def open_detail(self, delivery_id: str) -> EventSpec | None:
        """Show one delivery with every attempt."""
        try:
            found = await self._as_admin(
                lambda db, _settings, _me: delivery_detail(db, delivery_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        if found is None:
            self.problem = GONE
            return None
        self.detail, self.attempts = found
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, is_open: bool) -> None:
        """The detail opened or closed."""
        self.detail_open = is_open

    @rx.event
    def ask_retry(self, delivery_id: str) -> None:
        """Open the confirmation of retrying this dead delivery."""
        self.notice, self.problem = "", ""
        self.retry_id = delivery_id
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        """The confirmation opened or closed (Cancel, Escape, outside click)."""
        self.confirm_open = is_open

    @rx.event
    async def confirm_retry(self) -> AsyncIterator[EventSpec | None]:
        """Retry the delivery being confirmed and show its new state in place."""
        self.retrying = True
        yield None
        delivery_id = self.retry_id
        try:
            row = await self._as_admin(
                lambda db, _settings, me: retry_delivery(db, me, delivery_id)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        finally:
            self.retrying = False
            self.confirm_open = False
        if row is None:
            self.problem = NOT_DEAD
            found = await self._as_admin(
                lambda db, _settings, _me: delivery_detail(db, delivery_id)
            )
            if found is not None:
                self._replace_row(found[0])
            return
        self._replace_row(row)
        self.notice = RETRIED


SPEC = PageSpec(
    "/admin/deliveries",
    N_("Deliveries"),
    N_("Follow outbound deliveries and their attempts, and retry the ones that failed."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Created (UTC)"), CREATED),
    N_("Status"),
    N_("Customer"),
    N_("Channel"),
    N_("Attempts"),
    N_("Last error"),
    "",
)
ATTEMPT_COLUMNS = (
    "#",
    N_("Started (UTC)"),
    N_("Finished (UTC)"),
    N_("Outcome"),
    N_("Provider id"),
    N_("Error message"),
)


def error_text(error: Var[str]) -> rx.Component:
    """An error, clipped to two lines (whole on hover and in the detail)."""
    return clamped(error, size="1", color_scheme="red")


def row_actions(row: Var[DeliveryRow]) -> rx.Component:
    """Details, and Retry on a dead delivery."""
    return rx.flex(
        row_button(
            N_("Details"),
            "panel-right-open",
            DeliveriesState.open_detail(row.id),
            t("Details of {id}", id=row.id),
        ),
        rx.cond(
            row.can_retry,
            row_button(
                N_("Retry"),
                "rotate-ccw",
                DeliveriesState.ask_retry(row.id),
                t("Retry {id}", id=row.id),
                "red",
            ),
            rx.fragment(),
        ),
        direction="column",
        align="stretch",
        spacing="2",
    )


def delivery_row(row: Var[DeliveryRow]) -> rx.Component:
    """One delivery: when, state, for whom, through which channel, tries, and its error."""
    return rx.table.row(
        rx.table.cell(
            time_or_never(row.created_at, seconds=True),
            white_space=rx.breakpoints(initial="normal", md="nowrap"),
        ),
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(
            filter_link(
                row.customer,
                DeliveriesState.only_customer(row.customer_id),
                N_("Only this customer"),
            ),
            min_width="9rem",
        ),
        rx.table.cell(
            filter_link(
                row.channel, DeliveriesState.only_channel(row.channel_id), N_("Only this channel")
            ),
            min_width="8rem",
        ),
        rx.table.cell(row.attempts, text_align="right"),
        rx.table.cell(error_text(row.error), min_width="10rem", max_width="20rem"),
        rx.table.cell(row_actions(row)),
        align="center",
        data_delivery=row.id,
    )


def filters() -> rx.Component:
    """Status and time range (each applied at once), channel and customer ids."""
    return filter_bar(
        N_("Filter deliveries"),
        filter_select(
            N_("Status"),
            "delivery-status",
            DeliveriesState.status_filter,
            DeliveriesState.set_status,
            STATUS_CHOICES,
        ),
        filter_select(
            N_("Created"),
            "delivery-time",
            DeliveriesState.time_filter,
            DeliveriesState.set_time_range,
            TIME_CHOICES,
        ),
        filter_input(
            N_("Channel id"),
            "delivery-channel",
            DeliveriesState.channel_filter,
            DeliveriesState.set_channel_filter,
            "ch_…",
        ),
        filter_input(
            N_("Customer id"),
            "delivery-customer",
            DeliveriesState.customer_filter,
            DeliveriesState.set_customer_filter,
            "ck_…",
        ),
        on_submit=DeliveriesState.apply_filters,
        on_clear=DeliveriesState.clear_filters,
    )


def deliveries_table() -> rx.Component:
    """The current page, or what to do when nothing matches."""
    return rx.cond(
        DeliveriesState.loaded,
        rx.cond(
            DeliveriesState.rows,
            table_with_pager(
                data_table(
                    N_("Deliveries"),
                    COLUMNS,
                    rx.foreach(DeliveriesState.rows, delivery_row),
                    DeliveriesState,
                ),
                pager(DeliveriesState, N_("deliveries")),
            ),
            empty_state(
                "send",
                N_("No deliveries match"),
                N_(
                    "Nothing has failed with these filters, which is good news. Choose "
                    "“Every status” or clear the filters to see every delivery."
                ),
            ),
        ),
        loading_rows(N_("deliveries")),
    )


def attempt_table_row(attempt: Var[AttemptRow]) -> rx.Component:
    """One try at sending."""
    return rx.table.row(
        rx.table.cell(attempt.number),
        rx.table.cell(time_or_never(attempt.started, seconds=True)),
        rx.table.cell(
            rx.cond(attempt.finished != "", table_time(attempt.finished, seconds=True), "—")
        ),
        rx.table.cell(row_badge(attempt.outcome, attempt.outcome_color)),
        rx.table.cell(
            rx.text(
                rx.cond(attempt.provider_message_id != "", attempt.provider_message_id, "—"),
                overflow_wrap="anywhere",
            )
        ),
        rx.table.cell(error_text(attempt.error), min_width="12rem"),
        align="center",
    )


def detail() -> rx.Component:
    """The delivery in full with every attempt, first to last."""
    row = DeliveriesState.detail
    return detail_dialog(
        t("Delivery {id}", id=row.id),
        DeliveriesState.detail_open,
        DeliveriesState.set_detail_open,
        facts(
            [
                (N_("Status"), row_badge(row.status_label, row.status_color)),
                (N_("Created (UTC)"), table_time(row.created_at, seconds=True)),
                (N_("Customer"), row.customer),
                (N_("Channel"), row.channel),
                (N_("Recipient"), row.target),
                (N_("Idempotency key"), row.idempotency_key),
                (
                    N_("Next attempt (UTC)"),
                    rx.cond(
                        row.next_attempt_at != "",
                        table_time(row.next_attempt_at, seconds=True),
                        "—",
                    ),
                ),
                (N_("Provider message id"), row.provider_message_id),
                (N_("Last error"), rx.cond(row.error != "", error_text(row.error), rx.text("—"))),
            ]
        ),
        rx.cond(
            row.can_retry,
            rx.flex(
                row_button(
                    N_("Retry"), "rotate-ccw", DeliveriesState.ask_retry(row.id), N_("Retry"), "red"
                )
            ),
            rx.fragment(),
        ),
        rx.heading(t("Attempts"), as_="h3", size="3"),
        rx.cond(
            DeliveriesState.attempts,
            rx.box(
                data_table(
                    N_("Attempts"),
                    ATTEMPT_COLUMNS,
                    rx.foreach(DeliveriesState.attempts, attempt_table_row),
                ),
                overflow_x="auto",
            ),
            rx.text(
                t("No attempt yet: the dispatcher has not tried to send it."), color_scheme="gray"
            ),
        ),
        rx.heading(t("Payload"), as_="h3", size="3"),
        rx.code_block(row.payload, language="json", wrap_long_lines=True, font_size="12px"),
    )


def retry_dialog() -> rx.Component:
    """Asks before a dead delivery is sent again."""
    return confirm_dialog(
        N_("Retry this delivery?"),
        rx.text(
            t(
                "The delivery becomes pending with a fresh set of attempts, and the dispatcher "
                "sends it again. The retry is written to the audit log."
            ),
        ),
        N_("Retry delivery"),
        is_open=DeliveriesState.confirm_open,
        on_open_change=DeliveriesState.set_confirm_open,
        on_confirm=DeliveriesState.confirm_retry,
        busy=DeliveriesState.retrying,
    )


def render_page() -> rx.Component:
    """Filters, the answers of the last retry, the table, and its dialogs."""
    return console_page(
        SPEC,
        filters(),
        answer(chosen(DeliveriesState.problem, ANSWERS), "error"),
        answer(chosen(DeliveriesState.notice, ANSWERS), "success"),
        deliveries_table(),
        detail(),
        retry_dialog(),
    )


PAGE = SitePage(SPEC, render_page, on_load=(DeliveriesState.load,))
