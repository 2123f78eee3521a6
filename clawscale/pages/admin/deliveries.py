"""`/admin/deliveries`: the outbox, newest (or oldest) first, filtered by status, time range,
channel and customer and paged by keyset cursors; a delivery's attempts in a dialog; and Retry
on a dead delivery."""

import reflex as rx
from reflex.vars import Var

from clawscale.domain.outbox.queries import CREATED
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.pages.admin.widgets import (
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
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer
from clawscale.state.admin.deliveries import (
    STATUS_CHOICES,
    TIME_CHOICES,
    AttemptRow,
    DeliveriesState,
    DeliveryRow,
)

SPEC = PageSpec(
    "/admin/deliveries",
    "Deliveries",
    "Follow outbound deliveries and their attempts, and retry the ones that failed.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Created (UTC)", CREATED),
    "Status",
    "Customer",
    "Channel",
    "Attempts",
    "Last error",
    "",
)
ATTEMPT_COLUMNS = ("#", "Started (UTC)", "Finished (UTC)", "Outcome", "Provider id", "Error")


def error_text(error: Var[str]) -> rx.Component:
    """An error, clipped to two lines (whole on hover and in the detail)."""
    return clamped(error, size="1", color_scheme="red")


def row_actions(row: Var[DeliveryRow]) -> rx.Component:
    """Details, and Retry on a dead delivery."""
    return rx.flex(
        row_button(
            "Details",
            "panel-right-open",
            DeliveriesState.open_detail(row.id),
            f"Details of {row.id}",
        ),
        rx.cond(
            row.can_retry,
            row_button(
                "Retry", "rotate-ccw", DeliveriesState.ask_retry(row.id), f"Retry {row.id}", "red"
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
        rx.table.cell(row.created, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(
            filter_link(
                row.customer, DeliveriesState.only_customer(row.customer_id), "Only this customer"
            ),
            min_width="9rem",
        ),
        rx.table.cell(
            filter_link(
                row.channel, DeliveriesState.only_channel(row.channel_id), "Only this channel"
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
        "Filter deliveries",
        filter_select(
            "Status",
            "delivery-status",
            DeliveriesState.status_filter,
            DeliveriesState.set_status,
            STATUS_CHOICES,
        ),
        filter_select(
            "Created",
            "delivery-time",
            DeliveriesState.time_filter,
            DeliveriesState.set_time_range,
            TIME_CHOICES,
        ),
        filter_input(
            "Channel id",
            "delivery-channel",
            DeliveriesState.channel_filter,
            DeliveriesState.set_channel_filter,
            "ch_…",
        ),
        filter_input(
            "Customer id",
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
                    "Deliveries",
                    COLUMNS,
                    rx.foreach(DeliveriesState.rows, delivery_row),
                    DeliveriesState,
                ),
                pager(DeliveriesState, "deliveries"),
            ),
            empty_state(
                "send",
                "No deliveries match",
                "Nothing has failed with these filters, which is good news. Choose "
                "“Every status” or clear the filters to see every delivery.",
            ),
        ),
        loading_rows("deliveries"),
    )


def attempt_row(attempt: Var[AttemptRow]) -> rx.Component:
    """One try at sending."""
    return rx.table.row(
        rx.table.cell(attempt.number),
        rx.table.cell(attempt.started),
        rx.table.cell(attempt.finished),
        rx.table.cell(row_badge(attempt.outcome, attempt.outcome_color)),
        rx.table.cell(rx.text(attempt.provider_message_id, overflow_wrap="anywhere")),
        rx.table.cell(error_text(attempt.error), min_width="12rem"),
        align="center",
    )


def detail() -> rx.Component:
    """The delivery in full with every attempt, first to last."""
    row = DeliveriesState.detail
    return detail_dialog(
        "Delivery " + row.id,
        DeliveriesState.detail_open,
        DeliveriesState.set_detail_open,
        facts(
            [
                ("Status", row_badge(row.status_label, row.status_color)),
                ("Created (UTC)", row.created),
                ("Customer", row.customer),
                ("Channel", row.channel),
                ("Recipient", row.target),
                ("Idempotency key", row.idempotency_key),
                ("Next attempt (UTC)", row.next_attempt),
                ("Provider message id", row.provider_message_id),
                ("Last error", rx.cond(row.error != "", error_text(row.error), rx.text("—"))),
            ]
        ),
        rx.cond(
            row.can_retry,
            rx.flex(
                row_button("Retry", "rotate-ccw", DeliveriesState.ask_retry(row.id), "Retry", "red")
            ),
            rx.fragment(),
        ),
        rx.heading("Attempts", as_="h3", size="3"),
        rx.cond(
            DeliveriesState.attempts,
            rx.box(
                data_table(
                    "Attempts", ATTEMPT_COLUMNS, rx.foreach(DeliveriesState.attempts, attempt_row)
                ),
                overflow_x="auto",
            ),
            rx.text(
                "No attempt yet: the dispatcher has not tried to send it.", color_scheme="gray"
            ),
        ),
        rx.heading("Payload", as_="h3", size="3"),
        rx.code_block(row.payload, language="json", wrap_long_lines=True, font_size="12px"),
    )


def retry_dialog() -> rx.Component:
    """Asks before a dead delivery is sent again."""
    return confirm_dialog(
        "Retry this delivery?",
        rx.text(
            "The delivery becomes pending with a fresh set of attempts, and the dispatcher "
            "sends it again. The retry is written to the audit log.",
        ),
        "Retry delivery",
        is_open=DeliveriesState.confirm_open,
        on_open_change=DeliveriesState.set_confirm_open,
        on_confirm=DeliveriesState.confirm_retry,
        busy=DeliveriesState.retrying,
    )


def deliveries_page() -> rx.Component:
    """Filters, the answers of the last retry, the table, and its dialogs."""
    return console_page(
        SPEC,
        filters(),
        answer(DeliveriesState.problem, "error"),
        answer(DeliveriesState.notice, "success"),
        deliveries_table(),
        detail(),
        retry_dialog(),
    )


PAGE = SitePage(SPEC, deliveries_page, on_load=(DeliveriesState.load,))
