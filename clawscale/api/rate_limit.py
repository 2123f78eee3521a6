"""Rate limiters as request dependencies, the caller's address they count by, and sign-in
under its limits with wrong answers slowed down without holding the event loop."""

import asyncio
import hashlib
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from clawscale.api.security import SettingsDep, bearer_token
from clawscale.client_address import client_address
from clawscale.domain.rate_limits import AuthRateLimiter, SignInLimiter

T = TypeVar("T")


async def rate_limiter(request: Request) -> AuthRateLimiter:
    """The API's limiter for mail-sending routes."""
    return request.app.state.rate_limiter


async def sign_in_limiter(request: Request) -> SignInLimiter:
    """The API's limiter for sign-in routes."""
    return request.app.state.sign_in_limiter


async def caller_address(request: Request, settings: SettingsDep) -> str:
    """The caller's address: the peer, or behind a trusted proxy the client it forwards for."""
    header = settings.TRUSTED_PROXY_HEADER
    return client_address(
        request.client.host if request.client else "",
        request.headers.getlist(header),
        settings.trusted_proxy_networks,
        header,
    )


LimiterDep = Annotated[AuthRateLimiter, Depends(rate_limiter)]
SignInLimiterDep = Annotated[SignInLimiter, Depends(sign_in_limiter)]
ClientAddressDep = Annotated[str, Depends(caller_address)]


async def limited_sign_in(
    limiter: SignInLimiter, action: str, address: str, email: str, sign_in: Callable[[], T | None]
) -> T | None:
    """Run `sign_in` (None: wrong credentials) in a worker thread under the sign-in limits;
    a wrong answer comes back only after its slow-down, awaited on the event loop."""
    outcome = await run_in_threadpool(limiter.attempt, action, address, email, sign_in)
    if outcome.result is None and outcome.delay_seconds:
        await asyncio.sleep(outcome.delay_seconds)
    return outcome.result


async def limit_per_api_key(request: Request) -> None:
    """Count one call against the caller's API key (identified by a hash, never stored); an
    in-memory count, so it runs on the event loop."""
    key = hashlib.sha256((bearer_token(request) or "").encode()).hexdigest()[:32]
    request.app.state.api_key_limiter.check(request.url.path, key)
