"""Retired paths of the old gateway (`/coke/*`, `/api/coke/*`, `/user/*`): always 404."""

from fastapi import APIRouter

from clawscale.api.errors import ApiError

RETIRED_PREFIXES = ("/coke", "/api/coke", "/user")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

router = APIRouter(include_in_schema=False)


async def retired() -> None:
    """Answer 404 for a retired path, whatever the method."""
    raise ApiError(404, "not_found", "This path was retired.")


for _prefix in RETIRED_PREFIXES:
    router.add_api_route(_prefix, retired, methods=ALL_METHODS)
    router.add_api_route(_prefix + "/{rest:path}", retired, methods=ALL_METHODS)
