"""`/admin/channels`: every personal and shared channel with its owner, state, last activity
and last error; filtered by kind and state, a page at a time."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import data_table, empty_state, loading_rows, pager
from clawscale.pages.admin.widgets import (
    clamped,
    filter_bar,
    filter_select,
    row_badge,
    table_with_pager,
)
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.state.admin.channels import ANY, STATE_CHOICES, ChannelRow, ChannelsState

SPEC = PageSpec(
    "/admin/channels",
    "Channels",
    "Inspect every personal and shared channel, its state, last activity and last error.",
    Section.ADMIN,
)
COLUMNS = ("Channel", "Kind", "Owner", "State", "Last activity (UTC)", "Last error")


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
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(row.last_activity, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(
            clamped(row.last_error, size="1", color_scheme="red"),
            min_width="10rem",
            max_width="18rem",
        ),
        align="center",
        data_channel=row.id,
    )


def filters() -> rx.Component:
    """Kind and state, each applied at once."""
    return filter_bar(
        "Filter channels",
        filter_select(
            "Kind",
            "channel-kind",
            ChannelsState.kind_filter,
            ChannelsState.set_kind,
            {ANY: "Any kind"},
            ChannelsState.kinds,
        ),
        filter_select(
            "State",
            "channel-state",
            ChannelsState.state_filter,
            ChannelsState.set_state,
            STATE_CHOICES,
        ),
        on_submit=ChannelsState.apply_filters,
        on_clear=ChannelsState.clear_filters,
    )


def channels_table() -> rx.Component:
    """The current page, or what to do when nothing matches."""
    return rx.cond(
        ChannelsState.loaded,
        rx.cond(
            ChannelsState.rows,
            table_with_pager(
                data_table("Channels", COLUMNS, rx.foreach(ChannelsState.rows, channel_row)),
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


def channels_page() -> rx.Component:
    """The filters and the table."""
    return console_page(SPEC, filters(), channels_table())


PAGE = SitePage(SPEC, channels_page, on_load=(ChannelsState.load,))
