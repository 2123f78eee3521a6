"""Rate limiters as request dependencies, and what they count by."""

import hashlib
from typing import Annotated

from fastapi import Depends, Request

from clawscale.api.security import bearer_token
from clawscale.domain.rate_limits import AuthRateLimiter


async def rate_limiter(request: Request) -> AuthRateLimiter:
    """The API's limiter for sign-in and mail-sending routes."""
    return request.app.state.rate_limiter


def client_ip(request: Request) -> str:
    """The caller's address as the server saw it."""
    return request.client.host if request.client else "unknown"


LimiterDep = Annotated[AuthRateLimiter, Depends(rate_limiter)]


async def limit_per_api_key(request: Request) -> None:
    """Count one call against the caller's API key (identified by a hash, never stored); an
    in-memory count, so it runs on the event loop."""
    key = hashlib.sha256((bearer_token(request) or "").encode()).hexdigest()[:32]
    request.app.state.api_key_limiter.check(request.url.path, key)
