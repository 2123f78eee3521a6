"""Server-side pagination of the console's tables: which page is shown, and its label.

A table state mixes `PaginationState` in and implements `_load_page`, which fetches the rows
at `self.offset` and reports them with `_show_page`.
"""

import reflex as rx
from reflex.event import EventSpec

PAGE_SIZE = 20


def last_page_offset(total: int, page_size: int = PAGE_SIZE) -> int:
    """Where the last page starts (0 when there is nothing)."""
    return max(0, (total - 1) // page_size * page_size)


def page_offset(offset: int, total: int, page_size: int = PAGE_SIZE) -> int:
    """`offset` snapped to a page start and kept within the rows that exist (a page emptied by
    a removal falls back to the one before)."""
    snapped = max(0, offset) // page_size * page_size
    return min(snapped, last_page_offset(total, page_size))


def describe_range(offset: int, shown: int, total: int) -> str:
    """Which rows are shown, as in "21-40 of 45" (with an en dash); "" for an empty table."""
    if total == 0 or shown == 0:
        return ""
    return f"{offset + 1}\N{EN DASH}{offset + shown} of {total}"


class PaginationState(rx.State, mixin=True):
    """The page of a server-side paginated table."""

    offset: int = 0
    total: int = 0
    range_label: str = ""
    has_previous: bool = False
    has_next: bool = False

    async def _load_page(self) -> EventSpec | None:
        """Fetch the rows at `self.offset` and call `_show_page`; a redirect when signed out."""
        raise NotImplementedError

    def _show_page(self, offset: int, shown: int, total: int) -> None:
        """Remember which rows are shown, out of how many."""
        self.offset = offset
        self.total = total
        self.range_label = describe_range(offset, shown, total)
        self.has_previous = offset > 0
        self.has_next = offset + shown < total

    @rx.event
    async def next_page(self) -> EventSpec | None:
        """The following page."""
        self.offset += PAGE_SIZE
        return await self._load_page()

    @rx.event
    async def previous_page(self) -> EventSpec | None:
        """The page before."""
        self.offset = max(0, self.offset - PAGE_SIZE)
        return await self._load_page()
