"""`/admin/customers`: search customers by email, name or identity value, filter by claim
status, sort by name or creation, page through them, and open one to see its identities,
channels, agent binding, conversations, access time and latest deliveries."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.pages.admin.widgets import (
    clamped,
    detail_dialog,
    facts,
    filter_bar,
    filter_input,
    filter_select,
    row_badge,
    row_button,
    table_with_pager,
)
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.state.admin.badges import state_label
from clawscale.state.admin.customers import (
    CLAIM_CHOICES,
    ChannelLine,
    ConversationLine,
    CustomerListRow,
    CustomersState,
    IdentityLine,
)
from clawscale.state.admin.deliveries import DeliveryRow

SPEC = PageSpec(
    "/admin/customers",
    "Customers",
    "Find a customer by email, name or chat identity, and see their channels and agent.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Customer", "name"),
    "Contact",
    "Claim",
    "Agent",
    "Channels",
    "Parked",
    Sortable("Created (UTC)", "created"),
    "",
)
IDENTITY_COLUMNS = ("Provider", "Type", "Value", "Last seen (UTC)")
CHANNEL_COLUMNS = ("Kind", "Name", "State", "Last activity (UTC)")
CONVERSATION_COLUMNS = ("Channel", "With", "Conversation key", "Started (UTC)")
DELIVERY_COLUMNS = ("Created (UTC)", "Status", "Channel", "Attempts", "Last error")


def name_cell(row: Var[CustomerListRow]) -> rx.Component:
    """The name (clipped when long), its kind, and Suspended when it is."""
    return rx.flex(
        clamped(row.name, weight="medium", size="2"),
        rx.flex(
            rx.text(row.kind, size="1", color_scheme="gray"),
            rx.cond(row.suspended, row_badge("Suspended", "red"), rx.fragment()),  # type: ignore[arg-type]
            spacing="2",
            align="center",
        ),
        direction="column",
        spacing="1",
    )


def agent_cell(row: Var[CustomerListRow]) -> rx.Component:
    """The agent's slug, the binding's provision state and why provisioning last failed (the
    runtime's error code, e.g. `missing_coke_account_id (HTTP 400)`)."""
    return rx.flex(
        clamped(row.agent, 1, size="2"),
        rx.cond(
            row.provision_label != "",
            row_badge(row.provision_label, row.provision_color),
            rx.fragment(),
        ),
        rx.cond(
            row.provision_error != "",
            rx.text(row.provision_error, size="1", color_scheme="red", title=row.provision_error),
            rx.fragment(),
        ),
        direction="column",
        spacing="1",
        align="start",
    )


def retry_provisioning_button(row: Var[CustomerListRow]) -> rx.Component:
    """Try provisioning again, for a binding that failed it (after the runtime was fixed, or
    the agent switched to needing no provisioning)."""
    return rx.cond(
        row.provision_label == state_label("error"),
        row_button(
            "Retry provisioning",
            "rotate-ccw",
            CustomersState.retry_provisioning,
            "Retry provisioning of " + row.name,
        ),
        rx.fragment(),
    )


def customer_row(row: Var[CustomerListRow]) -> rx.Component:
    """One customer."""
    return rx.table.row(
        rx.table.row_header_cell(name_cell(row), min_width="11rem", max_width="18rem"),
        rx.table.cell(clamped(row.contact, size="2"), min_width="10rem", max_width="16rem"),
        rx.table.cell(row_badge(row.claim_label, row.claim_color)),
        rx.table.cell(agent_cell(row), min_width="7rem"),
        rx.table.cell(row.channels, min_width="7rem"),
        rx.table.cell(row.parked, text_align="right"),
        rx.table.cell(row.created, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(
            row_button(
                "Details",
                "panel-right-open",
                CustomersState.open_detail(row.id),
                "Details of " + row.name,
            )
        ),
        align="center",
        data_customer=row.id,
    )


def filters() -> rx.Component:
    """The search and the claim status."""
    return filter_bar(
        "Find customers",
        filter_input(
            "Search",
            "customer-search",
            CustomersState.query,
            CustomersState.set_query,
            "Email, name, chat id or ck_…",
        ),
        filter_select(
            "Claim status",
            "customer-claim",
            CustomersState.claim_filter,
            CustomersState.set_claim,
            CLAIM_CHOICES,
        ),
        on_submit=CustomersState.search,
        on_clear=CustomersState.clear_filters,
    )


def customers_table() -> rx.Component:
    """The current page, or what to do when nothing matches."""
    return rx.cond(
        CustomersState.loaded,
        rx.cond(
            CustomersState.rows,
            table_with_pager(
                data_table(
                    "Customers",
                    COLUMNS,
                    rx.foreach(CustomersState.rows, customer_row),
                    CustomersState,
                ),
                pager(CustomersState, "customers"),
            ),
            empty_state(
                "users",
                "No customers match",
                "Try part of an email, a name or a chat id, or clear the filters. Customers "
                "appear here when they register or first message a shared channel.",
            ),
        ),
        loading_rows("customers"),
    )


def identity_row(line: Var[IdentityLine]) -> rx.Component:
    """An external identity."""
    return rx.table.row(
        rx.table.cell(line.provider),
        rx.table.cell(line.kind),
        rx.table.cell(rx.text(line.value, overflow_wrap="anywhere")),
        rx.table.cell(line.last_seen),
    )


def channel_row(line: Var[ChannelLine]) -> rx.Component:
    """One of the customer's channels."""
    return rx.table.row(
        rx.table.cell(line.kind),
        rx.table.cell(rx.text(line.name, overflow_wrap="anywhere")),
        rx.table.cell(row_badge(line.status_label, line.status_color)),
        rx.table.cell(line.last_activity),
    )


def conversation_row(line: Var[ConversationLine]) -> rx.Component:
    """One of the customer's conversations."""
    return rx.table.row(
        rx.table.cell(rx.text(line.channel, overflow_wrap="anywhere")),
        rx.table.cell(rx.text(line.end_user, overflow_wrap="anywhere")),
        rx.table.cell(rx.code(line.key, variant="ghost", size="1")),
        rx.table.cell(line.started),
    )


def delivery_row(row: Var[DeliveryRow]) -> rx.Component:
    """One of the customer's latest deliveries."""
    return rx.table.row(
        rx.table.cell(row.created, white_space="nowrap"),
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(rx.text(row.channel, overflow_wrap="anywhere")),
        rx.table.cell(row.attempts, text_align="right"),
        rx.table.cell(clamped(row.error, size="1", color_scheme="red"), max_width="16rem"),
    )


def listing(title: str, rows: Var, table: rx.Component, none: str) -> rx.Component:
    """A titled table of the detail, or a line saying there is nothing."""
    return rx.flex(
        rx.heading(title, as_="h3", size="3"),
        rx.cond(rows, rx.box(table, overflow_x="auto"), rx.text(none, color_scheme="gray")),
        direction="column",
        spacing="2",
    )


def detail() -> rx.Component:
    """One customer in full."""
    row = CustomersState.detail
    return detail_dialog(
        row.name,
        CustomersState.detail_open,
        CustomersState.set_detail_open,
        facts(
            [
                ("Customer id", rx.code(row.id, variant="ghost")),
                ("Kind", row.kind),
                ("Contact", row.contact),
                ("Claim", row_badge(row.claim_label, row.claim_color)),
                ("Agent", rx.flex(agent_cell(row), retry_provisioning_button(row), spacing="2")),
                ("Parked messages", rx.text(row.parked)),
                (
                    "Access",
                    rx.flex(
                        row_badge(CustomersState.access.label, CustomersState.access.color),
                        rx.text("until ", CustomersState.access.until, " UTC", size="2"),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                ),
                ("Trial ends (UTC)", CustomersState.access.trial_ends),
                ("Created (UTC)", row.created),
            ]
        ),
        listing(
            "Identities",
            CustomersState.identities,
            data_table(
                "Identities", IDENTITY_COLUMNS, rx.foreach(CustomersState.identities, identity_row)
            ),
            "No chat identity yet.",
        ),
        listing(
            "Channels",
            CustomersState.channels,
            data_table(
                "Customer channels",
                CHANNEL_COLUMNS,
                rx.foreach(CustomersState.channels, channel_row),
            ),
            "No personal channel.",
        ),
        listing(
            "Conversations",
            CustomersState.conversations,
            data_table(
                "Conversations",
                CONVERSATION_COLUMNS,
                rx.foreach(CustomersState.conversations, conversation_row),
            ),
            "No conversation yet.",
        ),
        listing(
            "Latest deliveries",
            CustomersState.deliveries,
            data_table(
                "Latest deliveries",
                DELIVERY_COLUMNS,
                rx.foreach(CustomersState.deliveries, delivery_row),
            ),
            "Nothing sent to this customer yet.",
        ),
        rx.link(
            "Every delivery of this customer is on the Deliveries page (filter by its id).",
            href="/admin/deliveries",
            size="2",
        ),
    )


def customers_page() -> rx.Component:
    """The filters, the table, and the detail."""
    return console_page(SPEC, filters(), customers_table(), detail())


PAGE = SitePage(SPEC, customers_page, on_load=(CustomersState.load,))
