"""`/admin/customers`: search customers by email, name or identity value, filter by claim
status, sort by name or creation, page through them, and open one to see its identities,
channels, agent binding, conversations, access time and latest deliveries."""

from dataclasses import dataclass, replace

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.components.admin.widgets import (
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
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.domain.console.dashboard import customer_links
from clawscale.domain.console.directory import (
    ConversationRow,
    CustomerRow,
    customer_profile,
    list_customers,
)
from clawscale.domain.errors import DomainError
from clawscale.domain.runtime.provisioning import retry_provisioning
from clawscale.domain.sorting import Sort
from clawscale.models import Channel, ClaimStatus, ExternalIdentity
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.delivery_rows import DeliveryRow, delivery_rows
from clawscale.state.admin.display import NOTHING, table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut

ANY = "any"
CLAIM_CHOICES: dict[str, str] = {
    ANY: "Any status",
    **{status.value: state_label(status.value) for status in ClaimStatus},
}


@dataclass(frozen=True)
class CustomerListRow:
    """One customer as the table shows it."""

    id: str = ""
    name: str = ""
    kind: str = ""
    suspended: bool = False
    created: str = ""
    contact: str = ""
    claim_label: str = ""
    claim_color: str = "gray"
    agent: str = ""
    provision_label: str = ""
    provision_color: str = "gray"
    provision_error: str = ""
    channels: str = ""
    parked: int = 0


@dataclass(frozen=True)
class IdentityLine:
    """An external identity the customer was seen with."""

    provider: str
    kind: str
    value: str
    last_seen: str


@dataclass(frozen=True)
class ChannelLine:
    """One of the customer's channels."""

    id: str
    kind: str
    name: str
    status_label: str
    status_color: str
    last_activity: str


@dataclass(frozen=True)
class ConversationLine:
    """One of the customer's conversations."""

    id: str
    channel: str
    end_user: str
    key: str
    started: str


@dataclass(frozen=True)
class Access:
    """The customer's access time in words."""

    label: str = ""
    color: str = "gray"
    until: str = ""
    trial_ends: str = ""


@dataclass(frozen=True)
class CustomerDetail:
    """Everything the detail shows beyond the customer's row."""

    identities: list[IdentityLine]
    channels: list[ChannelLine]
    conversations: list[ConversationLine]
    access: Access
    deliveries: list[DeliveryRow]


def channel_summary(counts: dict[str, int]) -> str:
    """Channels by state in words: "2 connected, 1 error"; "None" without channels."""
    if not counts:
        return "None"
    return ", ".join(f"{number} {status}" for status, number in sorted(counts.items()))


def list_row(row: CustomerRow) -> CustomerListRow:
    """A customer of the directory in words."""
    return CustomerListRow(
        id=row.id,
        name=row.display_name or NOTHING,
        kind=state_label(row.kind),
        suspended=row.suspended,
        created=table_time(row.created_at),
        contact=row.contact or NOTHING,
        claim_label=state_label(row.claim_status) if row.claim_status else "No owner",
        claim_color=state_color(row.claim_status),
        agent=row.agent or "No agent",
        provision_label=state_label(row.provision_status) if row.provision_status else "",
        provision_color=state_color(row.provision_status),
        provision_error=row.provision_error or "",
        channels=channel_summary(row.channels),
        parked=row.parked,
    )


def identity_line(identity: ExternalIdentity) -> IdentityLine:
    """An external identity in words."""
    return IdentityLine(
        identity.provider,
        identity.identity_type,
        identity.identity_value,
        table_time(identity.last_seen_at),
    )


def channel_line(channel: Channel) -> ChannelLine:
    """A channel in words."""
    return ChannelLine(
        channel.id,
        channel.kind,
        channel.name or NOTHING,
        state_label(channel.status),
        state_color(channel.status),
        table_time(channel.last_activity_at),
    )


def conversation_line(conversation: ConversationRow) -> ConversationLine:
    """A conversation in words."""
    return ConversationLine(
        conversation.id,
        f"{conversation.channel_kind} \N{MIDDLE DOT} {conversation.channel_name or NOTHING}",
        conversation.end_user,
        conversation.business_conversation_key or NOTHING,
        table_time(conversation.created_at),
    )


def customers_page(
    db: Session, offset: int, query: str, claim_status: str, sort: Sort
) -> TablePage[CustomerListRow]:
    """The page at `offset` in `sort` order: its rows, where it starts, and how many
    customers match."""
    status = None if claim_status == ANY else claim_status
    rows, total = list_customers(db, PAGE_SIZE, offset, query, status, sort)
    start = page_offset(offset, total)
    if start != offset:  # past the end (customers went away): the last page instead
        rows, total = list_customers(db, PAGE_SIZE, start, query, status, sort)
    return TablePage([list_row(row) for row in rows], start, total)


def customer_detail(db: Session, customer_id: str) -> CustomerDetail | None:
    """The identities, channels, conversations, access and latest deliveries of one customer;
    None when the customer is gone."""
    profile = customer_profile(db, customer_id)
    if profile is None:
        return None
    links = customer_links(db, customer_id)
    active = profile.access.active
    return CustomerDetail(
        [identity_line(identity) for identity in links.identities],
        [channel_line(channel) for channel in links.channels],
        [conversation_line(conversation) for conversation in profile.conversations],
        Access(
            "Active" if active else "Expired",
            "green" if active else "red",
            table_time(profile.access.expires_at),
            table_time(profile.trial_ends_at),
        ),
        delivery_rows(db, profile.recent_deliveries),
    )


class CustomersState(SortedPaginationState, AdminSessionState):
    """The search, the claim filter, the order, the page of customers, and the customer in
    detail."""

    rows: list[CustomerListRow] = rx.field(default_factory=list)
    loaded: bool = False
    query: str = ""
    claim_filter: str = ANY
    detail_open: bool = False
    detail: CustomerListRow = rx.field(default_factory=CustomerListRow)
    identities: list[IdentityLine] = rx.field(default_factory=list)
    channels: list[ChannelLine] = rx.field(default_factory=list)
    conversations: list[ConversationLine] = rx.field(default_factory=list)
    access: Access = rx.field(default_factory=Access)
    deliveries: list[DeliveryRow] = rx.field(default_factory=list)

    async def _load_page(self) -> EventSpec | None:
        offset, query, claim = self.offset, self.query.strip(), self.claim_filter
        sort = self._sort()
        return await self._load_rows(
            lambda db, _settings, _me: customers_page(db, offset, query, claim, sort)
        )

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the newest customers."""
        if not await self._refresh_session():
            return self._signed_out()
        self.query, self.claim_filter, self.detail_open = "", ANY, False
        self._reset_sort("created", descending=True)
        return await self._first_page()

    @rx.event
    def set_query(self, value: str) -> None:
        """The search being typed."""
        self.query = value

    @rx.event
    async def search(self, _form_data: dict[str, str]) -> EventSpec | None:
        """The first page of what the search finds."""
        return await self._first_page()

    @rx.event
    async def set_claim(self, choice: str) -> EventSpec | None:
        """Another claim status: its first page at once."""
        self.claim_filter = choice if choice in CLAIM_CHOICES else ANY
        return await self._first_page()

    @rx.event
    async def clear_filters(self) -> EventSpec | None:
        """Every customer again."""
        self.query, self.claim_filter = "", ANY
        return await self._first_page()

    @rx.event
    async def open_detail(self, customer_id: str) -> EventSpec | None:
        """Show one customer of the page in full."""
        row = next((row for row in self.rows if row.id == customer_id), None)
        if row is None:
            return None
        try:
            found = await self._as_admin(
                lambda db, _settings, _me: customer_detail(db, customer_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        if found is None:
            return None
        self.identities, self.channels = found.identities, found.channels
        self.conversations, self.access = found.conversations, found.access
        self.deliveries = found.deliveries
        self.detail = row
        self.detail_open = True
        return None

    @rx.event
    async def retry_provisioning(self) -> EventSpec | None:
        """Have the customer in detail provisioned again (audited); the row shows it pending."""
        customer_id = self.detail.id
        try:
            await self._as_admin(
                lambda db, _settings, me: retry_provisioning(db, me.id, customer_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        except DomainError as error:
            return rx.toast.error(error.message)
        retried = replace(
            self.detail,
            provision_label=state_label("pending"),
            provision_color=state_color("pending"),
        )
        self.detail = retried
        self.rows = [retried if row.id == customer_id else row for row in self.rows]
        return rx.toast.success("Provisioning will be tried again now.")

    @rx.event
    def set_detail_open(self, is_open: bool) -> None:
        """The detail opened or closed."""
        self.detail_open = is_open


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


def render_page() -> rx.Component:
    """The filters, the table, and the detail."""
    return console_page(SPEC, filters(), customers_table(), detail())


PAGE = SitePage(SPEC, render_page, on_load=(CustomersState.load,))
