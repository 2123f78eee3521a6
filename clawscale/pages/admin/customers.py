"""`/admin/customers`: search customers by email, name or identity value, filter by claim
status, sort by name or creation, page through them, and open one to see its identities,
channels, agent binding, conversations, access time and latest deliveries."""

from dataclasses import dataclass, field, replace

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.channel_tables import kind_text, kind_words
from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    state_words,
    time_or_never,
)
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
from clawscale.components.forms import answer
from clawscale.components.translated import chosen, local_number, shown, t, table_time, tn
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
from clawscale.i18n.catalogs import N_
from clawscale.models import Channel, ChannelStatus, ClaimStatus, ExternalIdentity
from clawscale.state.admin.badges import StateCount, state_color, state_counts, state_label
from clawscale.state.admin.delivery_rows import DeliveryRow, delivery_rows
from clawscale.state.admin.display import NOTHING, iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut

ANY = "any"
CLAIM_CHOICES: dict[str, str] = {
    ANY: N_("Any status"),
    **{status.value: state_label(status.value) for status in ClaimStatus},
}
NO_OWNER = N_("No owner")
RETRIED = N_("Provisioning will be tried again now.")
RETRY_FAILED = N_("Provisioning could not be tried again. Reload the page and try again.")
RETRY_PROBLEMS: dict[str, str] = {
    "binding_not_found": N_("This customer has no agent binding."),
    "binding_ready": N_("This customer's agent binding is already ready."),
}
MESSAGES = (RETRIED, RETRY_FAILED, *RETRY_PROBLEMS.values())


@dataclass(frozen=True)
class CustomerListRow:
    """One customer as the table shows it: kind, claim and provisioning in words (English
    message ids), `agent` "" without one, its channels counted by state, `created` an ISO
    string."""

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
    channels: list[StateCount] = field(default_factory=list)
    parked: int = 0


@dataclass(frozen=True)
class IdentityLine:
    """An external identity the customer was seen with (`last_seen` an ISO string)."""

    provider: str
    kind: str
    value: str
    last_seen: str


@dataclass(frozen=True)
class ChannelLine:
    """One of the customer's channels (kind and state in words, `last_activity` an ISO
    string)."""

    id: str
    kind: str
    name: str
    status_label: str
    status_color: str
    last_activity: str


@dataclass(frozen=True)
class ConversationLine:
    """One of the customer's conversations (its channel's kind in words, `started` an ISO
    string)."""

    id: str
    channel_kind: str
    channel_name: str
    end_user: str
    key: str
    started: str


@dataclass(frozen=True)
class Access:
    """The customer's access time: its state in words, the ends as ISO strings."""

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


def list_row(row: CustomerRow) -> CustomerListRow:
    """A customer of the directory in words."""
    return CustomerListRow(
        id=row.id,
        name=row.display_name or NOTHING,
        kind=state_label(row.kind),
        suspended=row.suspended,
        created=iso_time(row.created_at),
        contact=row.contact or NOTHING,
        claim_label=state_label(row.claim_status) if row.claim_status else NO_OWNER,
        claim_color=state_color(row.claim_status),
        agent=row.agent or "",
        provision_label=state_label(row.provision_status) if row.provision_status else "",
        provision_color=state_color(row.provision_status),
        provision_error=row.provision_error or "",
        channels=state_counts(row.channels),
        parked=row.parked,
    )


def identity_line(identity: ExternalIdentity) -> IdentityLine:
    """An external identity in words."""
    return IdentityLine(
        identity.provider,
        identity.identity_type,
        identity.identity_value,
        iso_time(identity.last_seen_at),
    )


def channel_line(channel: Channel) -> ChannelLine:
    """A channel in words."""
    return ChannelLine(
        channel.id,
        kind_words(channel.kind),
        channel.name or NOTHING,
        state_label(channel.status),
        state_color(channel.status),
        iso_time(channel.last_activity_at),
    )


def conversation_line(conversation: ConversationRow) -> ConversationLine:
    """A conversation in words."""
    return ConversationLine(
        conversation.id,
        kind_words(conversation.channel_kind),
        conversation.channel_name or NOTHING,
        conversation.end_user,
        conversation.business_conversation_key or NOTHING,
        iso_time(conversation.created_at),
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
    access = "active" if profile.access.active else "expired"
    return CustomerDetail(
        [identity_line(identity) for identity in links.identities],
        [channel_line(channel) for channel in links.channels],
        [conversation_line(conversation) for conversation in profile.conversations],
        Access(
            state_label(access),
            state_color(access),
            iso_time(profile.access.expires_at),
            iso_time(profile.trial_ends_at),
        ),
        delivery_rows(db, profile.recent_deliveries),
    )


class CustomersState(SortedPaginationState, AdminSessionState):
    """The search, the claim filter, the order, the page of customers, the customer in
    detail, and how retrying its provisioning went (`notice`, `problem`: of `MESSAGES`)."""

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
    notice: str = ""
    problem: str = ""

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
        self.notice = self.problem = ""
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
            self.notice, self.problem = "", RETRY_PROBLEMS.get(error.code, RETRY_FAILED)
            return None
        retried = replace(
            self.detail,
            provision_label=state_label("pending"),
            provision_color=state_color("pending"),
        )
        self.detail = retried
        self.rows = [retried if row.id == customer_id else row for row in self.rows]
        self.notice, self.problem = RETRIED, ""
        return None

    @rx.event
    def set_detail_open(self, is_open: bool) -> None:
        """The detail opened or closed."""
        self.detail_open = is_open


SPEC = PageSpec(
    "/admin/customers",
    N_("Customers"),
    N_("Find a customer by email, name or chat identity, and see their channels and agent."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Customer"), "name"),
    N_("Contact"),
    N_("Claim"),
    N_("Agent"),
    N_("Channels"),
    N_("Parked"),
    Sortable(N_("Created (UTC)"), "created"),
    "",
)
IDENTITY_COLUMNS = (N_("Provider"), N_("Type"), N_("Value"), N_("Last seen (UTC)"))
CHANNEL_COLUMNS = (N_("Kind"), N_("Channel name"), N_("State"), N_("Last activity (UTC)"))
CONVERSATION_COLUMNS = (N_("Channel"), N_("With"), N_("Conversation key"), N_("Started (UTC)"))
DELIVERY_COLUMNS = (
    N_("Created (UTC)"),
    N_("Status"),
    N_("Channel"),
    N_("Attempts"),
    N_("Last error"),
)


def name_cell(row: Var[CustomerListRow]) -> rx.Component:
    """The name (clipped when long), its kind, and Suspended when it is."""
    return rx.flex(
        clamped(row.name, weight="medium", size="2"),
        rx.flex(
            rx.text(state_words(row.kind), size="1", color_scheme="gray"),
            rx.cond(row.suspended, row_badge(N_("Suspended"), "red"), rx.fragment()),
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
        clamped(rx.cond(row.agent != "", row.agent, t("No agent")).to(str), 1, size="2"),
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
            N_("Retry provisioning"),
            "rotate-ccw",
            CustomersState.retry_provisioning,
            t("Retry provisioning of {name}", name=row.name),
        ),
        rx.fragment(),
    )


def channel_count(item: Var[StateCount]) -> rx.Component:
    """How many of a customer's channels are in one state: "2 connected"."""
    count = item.count
    return rx.text(
        rx.match(
            item.state,
            (ChannelStatus.CONNECTED.value, t("{count} connected", count=local_number(count))),
            (
                ChannelStatus.DISCONNECTED.value,
                t("{count} disconnected", count=local_number(count)),
            ),
            (ChannelStatus.PENDING.value, t("{count} pending", count=local_number(count))),
            (ChannelStatus.ERROR.value, tn("{count} error", "{count} errors", count)),
            (ChannelStatus.ARCHIVED.value, t("{count} archived", count=local_number(count))),
            t("{count} {state}", count=local_number(count), state=state_words(item.label)),
        ),
        size="2",
        white_space="nowrap",
    )


def channels_cell(counts: Var[list[StateCount]]) -> rx.Component:
    """A customer's channels counted by state, a line each; "None" without channels."""
    return rx.cond(
        counts,
        rx.flex(rx.foreach(counts, channel_count), direction="column"),
        rx.text(t("None"), size="2", color_scheme="gray"),
    )


def customer_row(row: Var[CustomerListRow]) -> rx.Component:
    """One customer."""
    return rx.table.row(
        rx.table.row_header_cell(name_cell(row), min_width="11rem", max_width="18rem"),
        rx.table.cell(clamped(row.contact, size="2"), min_width="10rem", max_width="16rem"),
        rx.table.cell(row_badge(row.claim_label, row.claim_color)),
        rx.table.cell(agent_cell(row), min_width="7rem"),
        rx.table.cell(channels_cell(row.channels), min_width="7rem"),
        rx.table.cell(local_number(row.parked), text_align="right"),
        rx.table.cell(
            table_time(row.created), white_space=rx.breakpoints(initial="normal", md="nowrap")
        ),
        rx.table.cell(
            row_button(
                N_("Details"),
                "panel-right-open",
                CustomersState.open_detail(row.id),
                t("Details of {name}", name=row.name),
            )
        ),
        align="center",
        data_customer=row.id,
    )


def filters() -> rx.Component:
    """The search and the claim status."""
    return filter_bar(
        N_("Find customers"),
        filter_input(
            N_("Search"),
            "customer-search",
            CustomersState.query,
            CustomersState.set_query,
            N_("Email, name, chat id or ck_…"),
        ),
        filter_select(
            N_("Claim status"),
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
                    N_("Customers"),
                    COLUMNS,
                    rx.foreach(CustomersState.rows, customer_row),
                    CustomersState,
                ),
                pager(CustomersState, N_("customers")),
            ),
            empty_state(
                "users",
                N_("No customers match"),
                N_(
                    "Try part of an email, a name or a chat id, or clear the filters. "
                    "Customers appear here when they register or first message a shared "
                    "channel."
                ),
            ),
        ),
        loading_rows(N_("customers")),
    )


def identity_row(line: Var[IdentityLine]) -> rx.Component:
    """An external identity."""
    return rx.table.row(
        rx.table.cell(rx.code(line.provider, variant="ghost", size="1")),
        rx.table.cell(rx.code(line.kind, variant="ghost", size="1")),
        rx.table.cell(rx.text(line.value, overflow_wrap="anywhere"), min_width="8rem"),
        rx.table.cell(time_or_never(line.last_seen)),
    )


def channel_row(line: Var[ChannelLine]) -> rx.Component:
    """One of the customer's channels."""
    return rx.table.row(
        rx.table.cell(kind_text(line.kind)),
        rx.table.cell(rx.text(line.name, overflow_wrap="anywhere"), min_width="8rem"),
        rx.table.cell(row_badge(line.status_label, line.status_color)),
        rx.table.cell(time_or_never(line.last_activity)),
    )


def conversation_row(line: Var[ConversationLine]) -> rx.Component:
    """One of the customer's conversations."""
    return rx.table.row(
        rx.table.cell(
            rx.text(
                kind_text(line.channel_kind),
                " \N{MIDDLE DOT} ",
                line.channel_name,
                overflow_wrap="anywhere",
            ),
            min_width="8rem",
        ),
        rx.table.cell(rx.text(line.end_user, overflow_wrap="anywhere"), min_width="8rem"),
        rx.table.cell(rx.code(line.key, variant="ghost", size="1")),
        rx.table.cell(table_time(line.started)),
    )


def delivery_row(row: Var[DeliveryRow]) -> rx.Component:
    """One of the customer's latest deliveries."""
    return rx.table.row(
        rx.table.cell(table_time(row.created_at, seconds=True), white_space="nowrap"),
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(rx.text(row.channel, overflow_wrap="anywhere"), min_width="8rem"),
        rx.table.cell(local_number(row.attempts), text_align="right"),
        rx.table.cell(clamped(row.error, size="1", color_scheme="red"), max_width="16rem"),
    )


def listing(title: str, rows: Var, table: rx.Component, none: str) -> rx.Component:
    """A titled table of the detail, or a line saying there is nothing (`title` and `none`
    English message ids)."""
    return rx.flex(
        rx.heading(shown(title), as_="h3", size="3"),
        rx.cond(rows, rx.box(table, overflow_x="auto"), rx.text(shown(none), color_scheme="gray")),
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
        answer(chosen(CustomersState.problem, MESSAGES), "error"),
        answer(chosen(CustomersState.notice, MESSAGES), "success"),
        facts(
            [
                (N_("Customer id"), rx.code(row.id, variant="ghost")),
                (N_("Kind"), state_words(row.kind)),
                (N_("Contact"), row.contact),
                (N_("Claim"), row_badge(row.claim_label, row.claim_color)),
                (
                    N_("Agent"),
                    rx.flex(agent_cell(row), retry_provisioning_button(row), spacing="2"),
                ),
                (N_("Parked messages"), local_number(row.parked)),
                (
                    N_("Access"),
                    rx.flex(
                        row_badge(CustomersState.access.label, CustomersState.access.color),
                        rx.text(
                            t("until {time} UTC", time=table_time(CustomersState.access.until)),
                            size="2",
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                ),
                (N_("Trial ends (UTC)"), table_time(CustomersState.access.trial_ends)),
                (N_("Created (UTC)"), table_time(row.created)),
            ]
        ),
        listing(
            N_("Identities"),
            CustomersState.identities,
            data_table(
                N_("Identities"),
                IDENTITY_COLUMNS,
                rx.foreach(CustomersState.identities, identity_row),
            ),
            N_("No chat identity yet."),
        ),
        listing(
            N_("Channels"),
            CustomersState.channels,
            data_table(
                N_("Customer channels"),
                CHANNEL_COLUMNS,
                rx.foreach(CustomersState.channels, channel_row),
            ),
            N_("No personal channel."),
        ),
        listing(
            N_("Conversations"),
            CustomersState.conversations,
            data_table(
                N_("Conversations"),
                CONVERSATION_COLUMNS,
                rx.foreach(CustomersState.conversations, conversation_row),
            ),
            N_("No conversation yet."),
        ),
        listing(
            N_("Latest deliveries"),
            CustomersState.deliveries,
            data_table(
                N_("Latest deliveries"),
                DELIVERY_COLUMNS,
                rx.foreach(CustomersState.deliveries, delivery_row),
            ),
            N_("Nothing sent to this customer yet."),
        ),
        rx.link(
            t("Every delivery of this customer is on the Deliveries page (filter by its id)."),
            href="/admin/deliveries",
            size="2",
        ),
    )


def render_page() -> rx.Component:
    """The filters, the table, and the detail."""
    return console_page(SPEC, filters(), customers_table(), detail())


PAGE = SitePage(SPEC, render_page, on_load=(CustomersState.load,))
