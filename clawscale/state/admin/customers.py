"""`/admin/customers`: customers searched by email, name or identity value and filtered by
claim status, newest first (or sorted by name, kind or creation), a page at a time; and one
customer in detail (contact, identities, channels, agent binding, parked messages,
conversations, access time, latest deliveries)."""

from dataclasses import dataclass, replace

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

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
from clawscale.state.admin.audit import NOTHING
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.deliveries import DeliveryRow, delivery_rows
from clawscale.state.admin.display import table_time
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
