"""What the console's channel tables (`/admin/channels`, `/admin/shared-channels`) share: the
kind-and-state filter bar and the cells saying how a channel is doing."""

from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex.vars import Var

from clawscale.components.admin.widgets import clamped, filter_bar, filter_select, row_badge
from clawscale.state.admin.channel_filters import ANY


def channel_filters(
    label: str,
    field_prefix: str,
    state: Any,
    kind_choices: Mapping[str, str],
    state_choices: Mapping[str, str],
    more_kinds: Var[list[str]] | None = None,
) -> rx.Component:
    """Kind and state of a `ChannelFilterState`, each applied at once (the kinds: "any", those
    named in `kind_choices`, then those of `more_kinds` as they are)."""
    return filter_bar(
        label,
        filter_select(
            "Kind",
            f"{field_prefix}-kind",
            state.kind_filter,
            state.set_kind,
            {ANY: "Any kind", **kind_choices},
            more_kinds,
        ),
        filter_select(
            "State",
            f"{field_prefix}-state",
            state.state_filter,
            state.set_state,
            state_choices,
        ),
        on_submit=state.apply_filters,
        on_clear=state.clear_filters,
    )


def channel_state_cells(row: Any) -> tuple[rx.Component, ...]:
    """The state badge, the last activity and the last error of a channel row."""
    return (
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(row.last_activity, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(
            clamped(row.last_error, size="1", color_scheme="red"),
            min_width="10rem",
            max_width="18rem",
        ),
    )
