"""`/admin/channels`: every personal and shared channel with its owner, state, last activity
and last error; filtered by kind and state, sorted by a column header, a page at a time; and
Disconnect on a personal WeChat or shared channel, after a confirmation."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.channel_tables import channel_filters, channel_state_cells
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.pages.admin.widgets import (
    clamped,
    confirm_dialog,
    row_button,
    table_with_pager,
)
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer
from clawscale.state.admin.channel_filters import state_choices
from clawscale.state.admin.channels import ChannelRow, ChannelsState

SPEC = PageSpec(
    "/admin/channels",
    "Channels",
    "Inspect every personal and shared channel, its state, last activity and last error.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Channel", "name"),
    Sortable("Kind", "kind"),
    "Owner",
    Sortable("State", "status"),
    Sortable("Last activity (UTC)", "last_activity"),
    "Last error",
    "",
)


def channel_row(row: Var[ChannelRow]) -> rx.Component:
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
                rx.text(row.kind, size="2"),
                rx.text(row.scope, size="1", color_scheme="gray"),
                direction="column",
            )
        ),
        rx.table.cell(clamped(row.owner, size="2"), min_width="8rem", max_width="14rem"),
        *channel_state_cells(row),
        rx.table.cell(
            rx.cond(
                row.can_disconnect,
                row_button(
                    "Disconnect",
                    "unplug",
                    ChannelsState.ask_disconnect(row.id),
                    f"Disconnect {row.name}",
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
        "Filter channels", "channel", ChannelsState, {}, state_choices(), ChannelsState.kinds
    )


def channels_table() -> rx.Component:
    """The current page, or what to do when nothing matches."""
    return rx.cond(
        ChannelsState.loaded,
        rx.cond(
            ChannelsState.rows,
            table_with_pager(
                data_table(
                    "Channels",
                    COLUMNS,
                    rx.foreach(ChannelsState.rows, channel_row),
                    ChannelsState,
                ),
                pager(ChannelsState, "channels"),
            ),
            empty_state(
                "radio-tower",
                "No channels match",
                "Clear the filters to see every channel. Customers connect personal channels "
                "from their Channels page; shared channels are added on Shared channels.",
            ),
        ),
        loading_rows("channels"),
    )


def disconnect_dialog() -> rx.Component:
    """Asks before a channel is disconnected."""
    return confirm_dialog(
        "Disconnect this channel?",
        rx.text(
            rx.text.strong(ChannelsState.pending_name),
            rx.cond(
                ChannelsState.pending_shared,
                " stops receiving messages: our webhook is cleared at the provider. "
                "Connect it again on Shared channels.",
                " stops receiving messages: the WeChat session ends and polling stops. "
                "Its customer connects again with a new QR code.",
            ),
            " The disconnect is written to the audit log.",
        ),
        "Disconnect",
        is_open=ChannelsState.confirm_open,
        on_open_change=ChannelsState.set_confirm_open,
        on_confirm=ChannelsState.confirm_disconnect,
        busy=ChannelsState.disconnecting,
    )


def channels_page() -> rx.Component:
    """The filters, the answer of the last disconnect, the table, and the confirmation."""
    return console_page(
        SPEC,
        filters(),
        answer(ChannelsState.problem, "error"),
        answer(ChannelsState.notice, "success"),
        channels_table(),
        disconnect_dialog(),
    )


PAGE = SitePage(SPEC, channels_page, on_load=(ChannelsState.load,))
