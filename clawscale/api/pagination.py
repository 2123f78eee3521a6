"""Server-side pagination for list routes: `?limit&offset`, unknown query parameters rejected."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from clawscale.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page:
    """Which slice of a list the client asked for."""

    limit: int
    offset: int

    def envelope(self, items: Sequence[Any], total: int) -> dict[str, object]:
        """The `data` of a list answer."""
        return {"items": list(items), "total": total, "limit": self.limit, "offset": self.offset}


def reject_unknown_query(*allowed: str) -> Callable[[Request], None]:
    """A dependency answering 400 `invalid_query` for any parameter not in `allowed`."""
    known = {"limit", "offset", *allowed}

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ApiError(400, "invalid_query", f"Unknown query parameters: {', '.join(unknown)}")

    return check


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    """`limit` 1..200 (default 50) and `offset` >= 0."""
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page_params)]
