"""`/admin/channels`: every channel, most recently active first, filtered by kind and state,
with its owner, last activity and last error, a page at a time."""

from collections.abc import Sequence
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.dashboard import agent_names, channel_kinds, customer_names
from clawscale.domain.directory import list_channels
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.state.admin.audit import NOTHING
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.display import table_time
from clawscale.state.admin.filtering import FilteredPaginationState
from clawscale.state.admin.pagination import PAGE_SIZE, page_offset
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut

ANY = "any"
STATE_CHOICES: dict[str, str] = {
    ANY: "Any state",
    **{status.value: state_label(status.value) for status in ChannelStatus},
}


@dataclass(frozen=True)
class ChannelRow:
    """One channel as the table shows it."""

    id: str
    name: str
    kind: str
    scope: str
    owner: str
    status_label: str
    status_color: str
    last_activity: str
    last_error: str


def channel_rows(db: Session, channels: Sequence[Channel]) -> list[ChannelRow]:
    """Channels in words, with their owners' names (two queries in all)."""
    customers = customer_names(db, (c.owner_customer_id for c in channels if c.owner_customer_id))
    agents = agent_names(db, (c.owner_agent_id for c in channels if c.owner_agent_id))

    def owner(channel: Channel) -> str:
        if channel.scope == ChannelScope.SHARED:
            return "Agent " + agents.get(channel.owner_agent_id or "", NOTHING)
        return customers.get(channel.owner_customer_id or "") or NOTHING

    return [
        ChannelRow(
            id=channel.id,
            name=channel.name or NOTHING,
            kind=channel.kind,
            scope=state_label(channel.scope),
            owner=owner(channel),
            status_label=state_label(channel.status),
            status_color=state_color(channel.status),
            last_activity=table_time(channel.last_activity_at),
            last_error=channel.last_error or "",
        )
        for channel in channels
    ]


@dataclass(frozen=True)
class ChannelsPage:
    """The rows shown, where they start, how many match, and every kind in use."""

    rows: list[ChannelRow]
    offset: int
    total: int
    kinds: list[str]


def channels_page(db: Session, offset: int, kind: str, status: str) -> ChannelsPage:
    """The page at `offset` of the channels of `kind` in `status` (ANY for every one)."""
    kind_or_none = None if kind == ANY else kind
    status_or_none = None if status == ANY else status
    channels, total = list_channels(db, PAGE_SIZE, offset, status_or_none, kind_or_none)
    start = page_offset(offset, total)
    if start != offset:  # past the end (channels went away): the last page instead
        channels, total = list_channels(db, PAGE_SIZE, start, status_or_none, kind_or_none)
    return ChannelsPage(channel_rows(db, channels), start, total, channel_kinds(db))


class ChannelsState(FilteredPaginationState, AdminSessionState):
    """The kind and state chosen, and the page of channels."""

    rows: list[ChannelRow] = rx.field(default_factory=list)
    loaded: bool = False
    kind_filter: str = ANY
    state_filter: str = ANY
    kinds: list[str] = rx.field(default_factory=list)

    async def _load_page(self) -> EventSpec | None:
        offset, kind, status = self.offset, self.kind_filter, self.state_filter
        try:
            page = await self._as_admin(
                lambda db, _settings, _me: channels_page(db, offset, kind, status)
            )
        except AdminSignedOut:
            return self._signed_out()
        self.rows, self.kinds = page.rows, page.kinds
        self._show_page(page.offset, len(page.rows), page.total)
        self.loaded = True
        return None

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then every channel, most recently active first."""
        if not await self._refresh_session():
            return self._signed_out()
        self.kind_filter, self.state_filter = ANY, ANY
        return await self._first_page()

    @rx.event
    async def set_kind(self, kind: str) -> EventSpec | None:
        """Another kind: its first page at once."""
        self.kind_filter = kind or ANY
        return await self._first_page()

    @rx.event
    async def set_state(self, status: str) -> EventSpec | None:
        """Another state: its first page at once."""
        self.state_filter = status if status in STATE_CHOICES else ANY
        return await self._first_page()

    @rx.event
    async def apply_filters(self, _form_data: dict[str, str]) -> EventSpec | None:
        """The page again with the chosen filters."""
        return await self._first_page()

    @rx.event
    async def clear_filters(self) -> EventSpec | None:
        """Every channel again."""
        self.kind_filter, self.state_filter = ANY, ANY
        return await self._first_page()
