"""Server-side pagination and sorting of the console's tables: which page is shown, its
numbers the pager shows, and the column it is sorted by.

A table state mixes `PaginationState` in (beside `AdminSessionState`) and implements
`_load_page`, which passes a fetch of the page at `self.offset` to `_load_rows`; that runs it
as the signed-in admin and shows the `TablePage` it returns. A changed filter calls
`_first_page`. `SortedPaginationState` adds a sort column the header cells toggle; the domain
checks the key against its allow-list.
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import reflex as rx
from reflex.event import EventSpec

from clawscale.domain.sorting import Sort
from clawscale.state.admin.session import AdminSignedOut, AdminWork

PAGE_SIZE = 20
R = TypeVar("R")


@dataclass(frozen=True)
class TablePage(Generic[R]):
    """The rows of one page, where they start, and how many rows match in all."""

    rows: list[R]
    offset: int
    total: int


def last_page_offset(total: int, page_size: int = PAGE_SIZE) -> int:
    """Where the last page starts (0 when there is nothing)."""
    return max(0, (total - 1) // page_size * page_size)


def page_offset(offset: int, total: int, page_size: int = PAGE_SIZE) -> int:
    """`offset` snapped to a page start and kept within the rows that exist (a page emptied by
    a removal falls back to the one before)."""
    snapped = max(0, offset) // page_size * page_size
    return min(snapped, last_page_offset(total, page_size))


class PaginationState(rx.State, mixin=True):
    """The page of a server-side paginated table: where it starts, how many rows it shows, and
    how many match (`count_stopped`: at least that many, the count stopped there); the pager
    words them in the page's language."""

    offset: int = 0
    shown: int = 0
    total: int = 0
    count_stopped: bool = False
    has_previous: bool = False
    has_next: bool = False

    async def _load_page(self) -> EventSpec | None:
        """Fetch the rows at `self.offset` with `_load_rows`; a redirect when signed out."""
        raise NotImplementedError

    async def _load_rows(self, fetch: AdminWork[Any]) -> EventSpec | None:
        """Run `fetch` as the page's admin (see `AdminSessionState._as_admin`) and show the
        `TablePage` it returns; the sign-in redirect when the admin is signed out."""
        try:
            page = await self._as_admin(fetch)  # type: ignore[attr-defined]
        except AdminSignedOut:
            return self._signed_out()  # type: ignore[attr-defined]
        self._show_rows(page)
        return None

    def _show_rows(self, page: TablePage[Any]) -> None:
        """Show a fetched page (the state declares `rows` and `loaded`)."""
        self.rows = page.rows
        self._show_page(page.offset, len(page.rows), page.total)
        self.loaded = True

    async def _first_page(self) -> EventSpec | None:
        """The first page (of the current filters and order)."""
        self.offset = 0
        return await self._load_page()

    def _show_page(
        self, offset: int, shown: int, total: int, counted_up_to: int | None = None
    ) -> None:
        """Remember which rows are shown, out of how many (a count that stopped past
        `counted_up_to` is shown as that many and more)."""
        self.offset, self.shown = offset, shown
        self.total = total if counted_up_to is None else min(total, counted_up_to)
        self.count_stopped = total > self.total
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


class SortedPaginationState(PaginationState, mixin=True):
    """`PaginationState` sorted by one column, set by clicking its header: a new column sorts
    ascending, the same column again flips the direction; either way from the first page."""

    sort_key: str = ""
    sort_descending: bool = False

    def _sort(self) -> Sort:
        """The order asked for, for the domain's list query."""
        return Sort(self.sort_key, self.sort_descending)

    def _reset_sort(self, key: str = "", descending: bool = False) -> None:
        """Back to the table's default order."""
        self.sort_key, self.sort_descending = key, descending

    @rx.event
    async def sort_by(self, key: str) -> EventSpec | None:
        """Sort by `key`, or flip the direction when already sorted by it."""
        if key == self.sort_key:
            self.sort_descending = not self.sort_descending
        else:
            self.sort_key, self.sort_descending = key, False
        return await self._first_page()
