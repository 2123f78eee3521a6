"""The kind-and-state filter of the console's channel tables (`/admin/channels` and
`/admin/shared-channels`): the choices (their words English message ids, shown translated),
and the events that apply them at once."""

from collections.abc import Mapping

import reflex as rx
from reflex.event import EventSpec

from clawscale.i18n.catalogs import N_
from clawscale.models import ChannelStatus
from clawscale.state.admin.badges import state_label
from clawscale.state.admin.pagination import PaginationState

ANY = "any"


def state_choices(*left_out: ChannelStatus) -> dict[str, str]:
    """ "Any state" and each channel state in words, but those `left_out`."""
    return {
        ANY: N_("Any state"),
        **{
            status.value: state_label(status.value)
            for status in ChannelStatus
            if status not in left_out
        },
    }


class ChannelFilterState(PaginationState, mixin=True):
    """The chosen kind and state; a change shows the first page that matches."""

    kind_filter: str = ANY
    state_filter: str = ANY

    def _kind_choices(self) -> Mapping[str, str] | None:
        """The kinds that may be chosen (None: any kind a channel has)."""
        return None

    def _state_choices(self) -> Mapping[str, str]:
        """The states that may be chosen."""
        return state_choices()

    def _reset_filters(self) -> None:
        self.kind_filter, self.state_filter = ANY, ANY

    @rx.event
    async def set_kind(self, kind: str) -> EventSpec | None:
        """Another kind: its first page at once."""
        choices = self._kind_choices()
        allowed = bool(kind) if choices is None else kind in choices
        self.kind_filter = kind if allowed else ANY
        return await self._first_page()

    @rx.event
    async def set_state(self, status: str) -> EventSpec | None:
        """Another state: its first page at once."""
        self.state_filter = status if status in self._state_choices() else ANY
        return await self._first_page()

    @rx.event
    async def apply_filters(self, _form_data: dict[str, str]) -> EventSpec | None:
        """The page again with the chosen filters."""
        return await self._first_page()

    @rx.event
    async def clear_filters(self) -> EventSpec | None:
        """Every channel again."""
        self._reset_filters()
        return await self._first_page()
