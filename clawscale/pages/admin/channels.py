"""`/admin/channels`: every personal and shared channel with its owner, state, last activity
and last error; filtered by kind and state, sorted by a column header, a page at a time; and
Disconnect on a personal WeChat or shared channel, after a confirmation."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx
import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.channels.webhooks import ProviderError
from clawscale.components.admin.channel_tables import (
    KIND_NAMES,
    channel_filters,
    channel_state_cells,
    kind_text,
    kind_words,
)
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
    confirm_dialog,
    row_button,
    table_with_pager,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer
from clawscale.components.translated import chosen, t
from clawscale.db import get_engine
from clawscale.domain.channels.admin import (
    can_disconnect,
    disconnect_personal_channel,
)
from clawscale.domain.channels.connections import change_shared_channel_alone
from clawscale.domain.console.dashboard import agent_names, channel_kinds, customer_names
from clawscale.domain.console.directory import list_channels
from clawscale.domain.errors import DomainError
from clawscale.domain.sorting import Sort
from clawscale.i18n.catalogs import N_
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.settings import get_settings
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.channel_filters import ANY, ChannelFilterState, state_choices
from clawscale.state.admin.display import NOTHING, iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut


@dataclass(frozen=True)
class ChannelRow:
    """One channel as the table shows it: its kind, scope and state in words (English message
    ids; an unknown kind as it is), its owner's name (a customer's, or its agent's when
    `shared`), its last activity an ISO string."""

    id: str
    name: str
    kind: str
    scope: str
    owner: str
    status_label: str
    status_color: str
    last_activity: str
    last_error: str
    shared: bool
    can_disconnect: bool


HTTP_TIMEOUT_SECONDS = 15.0
PROVIDER_FAILED = N_(
    "The provider refused to clear the webhook, so the channel is unchanged: {error}"
)
DISCONNECT_FAILED = N_("The channel could not be disconnected. Reload the page and try again.")
DISCONNECT_PROBLEMS: dict[str, str] = {
    "channel_not_found": N_("This channel is gone or can no longer be disconnected here."),
    "shared_channel_not_found": N_("This channel is gone or can no longer be disconnected here."),
    "channel_archived": N_("The channel is archived."),
    "unsupported_shared_channel_kind": N_("The gateway no longer serves this kind of channel."),
}
PROBLEMS = (*DISCONNECT_PROBLEMS.values(), DISCONNECT_FAILED)


def channel_rows(db: Session, channels: Sequence[Channel]) -> list[ChannelRow]:
    """Channels in words, with their owners' names (two queries in all)."""
    customers = customer_names(db, (c.owner_customer_id for c in channels if c.owner_customer_id))
    agents = agent_names(db, (c.owner_agent_id for c in channels if c.owner_agent_id))

    def owner(channel: Channel) -> str:
        if channel.scope == ChannelScope.SHARED:
            return agents.get(channel.owner_agent_id or "", NOTHING)
        return customers.get(channel.owner_customer_id or "") or NOTHING

    return [
        ChannelRow(
            id=channel.id,
            name=channel.name or NOTHING,
            kind=kind_words(channel.kind),
            scope=state_label(channel.scope),
            owner=owner(channel),
            status_label=state_label(channel.status),
            status_color=state_color(channel.status),
            last_activity=iso_time(channel.last_activity_at),
            last_error=channel.last_error or "",
            shared=channel.scope == ChannelScope.SHARED,
            can_disconnect=can_disconnect(channel),
        )
        for channel in channels
    ]


def channel_row(db: Session, channel_id: str) -> ChannelRow | None:
    """One channel as it is now; None when it is gone."""
    channel = db.get(Channel, channel_id, populate_existing=True)
    return None if channel is None else channel_rows(db, [channel])[0]


@dataclass(frozen=True)
class ChannelsPage(TablePage[ChannelRow]):
    """A page of channels, and the kinds in use that the gateway does not serve (the filter
    names the served ones)."""

    kinds: list[str] = field(default_factory=list)


def channels_page(db: Session, offset: int, kind: str, status: str, sort: Sort) -> ChannelsPage:
    """The page at `offset`, in `sort` order, of the channels of `kind` in `status` (ANY for
    every one)."""
    kind_or_none = None if kind == ANY else kind
    status_or_none = None if status == ANY else status
    channels, total = list_channels(db, PAGE_SIZE, offset, status_or_none, kind_or_none, sort)
    start = page_offset(offset, total)
    if start != offset:  # past the end (channels went away): the last page instead
        channels, total = list_channels(db, PAGE_SIZE, start, status_or_none, kind_or_none, sort)
    unnamed = [kind for kind in channel_kinds(db) if kind not in KIND_NAMES]
    return ChannelsPage(channel_rows(db, channels), start, total, unnamed)


class ChannelsState(ChannelFilterState, SortedPaginationState, AdminSessionState):
    """The kind and state chosen, the order, the page of channels, the disconnect being
    confirmed, and how the last one went (`problem`: one of `PROBLEMS`; `provider_error`: what
    the provider said; `disconnected`: the name of the channel disconnected)."""

    rows: list[ChannelRow] = rx.field(default_factory=list)
    loaded: bool = False
    kinds: list[str] = rx.field(default_factory=list)
    confirm_open: bool = False
    pending_id: str = ""
    pending_name: str = ""
    pending_shared: bool = False
    disconnecting: bool = False
    disconnected: str = ""
    problem: str = ""
    provider_error: str = ""

    async def _load_page(self) -> EventSpec | None:
        offset, kind, status, sort = self.offset, self.kind_filter, self.state_filter, self._sort()
        return await self._load_rows(
            lambda db, _settings, _me: channels_page(db, offset, kind, status, sort)
        )

    def _show_rows(self, page: TablePage[ChannelRow]) -> None:
        super()._show_rows(page)
        if isinstance(page, ChannelsPage):
            self.kinds = page.kinds

    async def _disconnect(self, channel_id: str, shared: bool) -> None:
        """Disconnect the channel as the page's admin (AdminSignedOut without one)."""
        if not shared:
            await self._as_admin(
                lambda db, settings, me: disconnect_personal_channel(
                    db, settings, me.id, channel_id
                )
            )
            return
        admin_id = await self._as_admin(lambda _db, _settings, me: me.id)
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
            await change_shared_channel_alone(
                get_engine(),
                get_settings(),
                client,
                channel_id,
                admin_id,
                ChannelStatus.DISCONNECTED,
            )

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then every channel, most recently active first."""
        if not await self._refresh_session():
            return self._signed_out()
        self._reset_filters()
        self._forget_answers()
        self.confirm_open = False
        self._reset_sort("last_activity", descending=True)
        return await self._first_page()

    def _forget_answers(self) -> None:
        """No answer of an earlier disconnect on show."""
        self.disconnected = self.problem = self.provider_error = ""

    @rx.event
    def ask_disconnect(self, channel_id: str) -> None:
        """Open the confirmation of disconnecting this channel of the page."""
        row = next((row for row in self.rows if row.id == channel_id), None)
        if row is None:
            return
        self._forget_answers()
        self.pending_id, self.pending_name, self.pending_shared = row.id, row.name, row.shared
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        """The confirmation opened or closed (Cancel, Escape, outside click)."""
        self.confirm_open = is_open

    @rx.event
    async def confirm_disconnect(self) -> AsyncIterator[EventSpec | None]:
        """Disconnect the channel being confirmed and show its row as it now is."""
        self.disconnecting = True
        yield None
        channel_id, name = self.pending_id, self.pending_name
        try:
            await self._disconnect(channel_id, self.pending_shared)
            row = await self._as_admin(lambda db, _settings, _me: channel_row(db, channel_id))
        except AdminSignedOut:
            yield self._signed_out()
            return
        except ProviderError as error:
            self.problem, self.provider_error = PROVIDER_FAILED, str(error)
            return
        except DomainError as error:
            self.problem = DISCONNECT_PROBLEMS.get(error.code, DISCONNECT_FAILED)
            return
        finally:
            self.disconnecting = False
            self.confirm_open = False
        if row is not None:
            self.rows = [row if shown.id == row.id else shown for shown in self.rows]
        self.disconnected = name


SPEC = PageSpec(
    "/admin/channels",
    N_("Channels"),
    N_("Inspect every personal and shared channel, its state, last activity and last error."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Channel"), "name"),
    Sortable(N_("Kind"), "kind"),
    N_("Owner"),
    Sortable(N_("State"), "status"),
    Sortable(N_("Last activity (UTC)"), "last_activity"),
    N_("Last error"),
    "",
)


def channel_table_row(row: Var[ChannelRow]) -> rx.Component:
    """One channel."""
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                clamped(row.name, weight="medium", size="2"),
                rx.code(row.id, variant="ghost", size="1", color_scheme="gray"),
                direction="column",
                spacing="1",
            ),
            min_width="10rem",
            max_width="16rem",
        ),
        rx.table.cell(
            rx.flex(
                rx.text(kind_text(row.kind), size="2"),
                rx.text(state_words(row.scope), size="1", color_scheme="gray"),
                direction="column",
            )
        ),
        rx.table.cell(
            clamped(rx.cond(row.shared, t("Agent {name}", name=row.owner), row.owner), size="2"),
            min_width="8rem",
            max_width="14rem",
        ),
        *channel_state_cells(row, time_or_never(row.last_activity)),
        rx.table.cell(
            rx.cond(
                row.can_disconnect,
                row_button(
                    N_("Disconnect"),
                    "unplug",
                    ChannelsState.ask_disconnect(row.id),
                    t("Disconnect {name}", name=row.name),
                    "red",
                ),
                rx.fragment(),
            )
        ),
        align="center",
        data_channel=row.id,
    )


def filters() -> rx.Component:
    """Kind and state, each applied at once."""
    return channel_filters(
        N_("Filter channels"),
        "channel",
        ChannelsState,
        KIND_NAMES,
        state_choices(),
        ChannelsState.kinds,
    )


def channels_table() -> rx.Component:
    """The current page, or what to do when nothing matches."""
    return rx.cond(
        ChannelsState.loaded,
        rx.cond(
            ChannelsState.rows,
            table_with_pager(
                data_table(
                    N_("Channels"),
                    COLUMNS,
                    rx.foreach(ChannelsState.rows, channel_table_row),
                    ChannelsState,
                ),
                pager(ChannelsState, N_("channels")),
            ),
            empty_state(
                "radio-tower",
                N_("No channels match"),
                N_(
                    "Clear the filters to see every channel. Customers connect personal "
                    "channels from their Channels page; shared channels are added on Shared "
                    "channels."
                ),
            ),
        ),
        loading_rows(N_("channels")),
    )


def problem() -> Var[str]:
    """Why the last disconnect failed, in the page's language ("" when it did not)."""
    return rx.cond(
        ChannelsState.problem == PROVIDER_FAILED,
        t(PROVIDER_FAILED, error=ChannelsState.provider_error),
        chosen(ChannelsState.problem, PROBLEMS),
    ).to(str)


def disconnect_dialog() -> rx.Component:
    """Asks before a channel is disconnected."""
    return confirm_dialog(
        N_("Disconnect this channel?"),
        rx.text(
            rx.cond(
                ChannelsState.pending_shared,
                t(
                    "{name} stops receiving messages: our webhook is cleared at the provider. "
                    "Connect it again on Shared channels. The disconnect is written to the "
                    "audit log.",
                    name=ChannelsState.pending_name,
                ),
                t(
                    "{name} stops receiving messages: the WeChat session ends and polling "
                    "stops. Its customer connects again with a new QR code. The disconnect is "
                    "written to the audit log.",
                    name=ChannelsState.pending_name,
                ),
            )
        ),
        N_("Disconnect"),
        is_open=ChannelsState.confirm_open,
        on_open_change=ChannelsState.set_confirm_open,
        on_confirm=ChannelsState.confirm_disconnect,
        busy=ChannelsState.disconnecting,
    )


def render_page() -> rx.Component:
    """The filters, the answer of the last disconnect, the table, and the confirmation."""
    return console_page(
        SPEC,
        filters(),
        answer(problem(), "error"),
        answer(
            rx.cond(
                ChannelsState.disconnected != "",
                t("{name} is disconnected.", name=ChannelsState.disconnected),
                "",
            ).to(str),
            "success",
        ),
        channels_table(),
        disconnect_dialog(),
    )


PAGE = SitePage(SPEC, render_page, on_load=(ChannelsState.load,))
