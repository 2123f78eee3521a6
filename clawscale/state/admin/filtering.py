"""A paginated table with filters: a changed filter starts again from the first page."""

from reflex.event import EventSpec

from clawscale.state.admin.pagination import PaginationState


class FilteredPaginationState(PaginationState, mixin=True):
    """`PaginationState` whose filters, when changed, show their first page."""

    async def _first_page(self) -> EventSpec | None:
        """The first page of the current filters."""
        self.offset = 0
        return await self._load_page()
