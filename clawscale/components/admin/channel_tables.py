"""What the console's channel tables (`/admin/channels`, `/admin/shared-channels`) share: the
kind-and-state filter bar, channel kinds in words, and the cells saying how a channel is
doing."""

from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex.vars import Var

from clawscale.channels.wechat_personal.adapter import KIND as WECHAT_PERSONAL
from clawscale.components.admin.shared_channel_form import KIND_LABELS
from clawscale.components.admin.tables import Text
from clawscale.components.admin.widgets import clamped, filter_bar, filter_select, row_badge
from clawscale.components.translated import chosen
from clawscale.i18n.catalogs import N_
from clawscale.state.admin.channel_filters import ANY

KIND_NAMES: dict[str, str] = {WECHAT_PERSONAL: N_("Personal WeChat"), **KIND_LABELS}
"""Every kind the gateway serves, in words (English message ids)."""


def kind_words(kind: str) -> str:
    """A channel kind in words, for a row to keep: its name, or the kind as it is when the
    gateway does not serve it."""
    return KIND_NAMES.get(kind, kind)


def kind_text(words: Var[str]) -> Var[str]:
    """A row's `kind_words` in the page's language."""
    return chosen(words, KIND_NAMES.values())


def channel_filters(
    label: Text,
    field_prefix: str,
    state: Any,
    kind_choices: Mapping[str, Text],
    state_choices: Mapping[str, Text],
    more_kinds: Var[list[str]] | None = None,
) -> rx.Component:
    """Kind and state of a `ChannelFilterState`, each applied at once (the kinds: "any", those
    named in `kind_choices`, then those of `more_kinds` as they are)."""
    return filter_bar(
        label,
        filter_select(
            N_("Kind"),
            f"{field_prefix}-kind",
            state.kind_filter,
            state.set_kind,
            {ANY: N_("Any kind"), **kind_choices},
            more_kinds,
        ),
        filter_select(
            N_("State"),
            f"{field_prefix}-state",
            state.state_filter,
            state.set_state,
            state_choices,
        ),
        on_submit=state.apply_filters,
        on_clear=state.clear_filters,
    )


def channel_state_cells(row: Any, last_activity: Var[str]) -> tuple[rx.Component, ...]:
    """The state badge, the last activity and the last error of a channel row; the last
    activity as `last_activity` shows it (`time_or_never` of the row's ISO string)."""
    return (
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(
            last_activity,
            white_space=rx.breakpoints(initial="normal", md="nowrap"),
        ),
        rx.table.cell(
            clamped(row.last_error, size="1", color_scheme="red"),
            min_width="10rem",
            max_width="18rem",
        ),
    )
