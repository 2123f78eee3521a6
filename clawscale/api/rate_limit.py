"""The rate limiter as a request dependency, and the caller's address it counts by."""

from typing import Annotated

from fastapi import Depends, Request

from clawscale.domain.rate_limits import AuthRateLimiter


def rate_limiter(request: Request) -> AuthRateLimiter:
    """The API's limiter for sign-in and mail-sending routes."""
    return request.app.state.rate_limiter


def client_ip(request: Request) -> str:
    """The caller's address as the server saw it."""
    return request.client.host if request.client else "unknown"


LimiterDep = Annotated[AuthRateLimiter, Depends(rate_limiter)]
