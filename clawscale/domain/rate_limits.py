"""Rate limits for sign-in and mail-sending actions, per client IP and per email (`limits`).

One limiter per process serves both the API routes and the pages' forms, so a person gets the
same number of attempts whichever way they come.
"""

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from clawscale.domain.errors import DomainError
from clawscale.settings import get_settings


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds until the next one counts."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited", "Too many attempts. Try again later.")
        self.retry_after = retry_after


class KeyedRateLimiter:
    """A moving-window limit counted separately for each (action, key)."""

    def __init__(self, limit: str) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._item: RateLimitItem = parse(limit)

    def check(self, action: str, key: str) -> None:
        """Count one attempt; RateLimited (with seconds to wait) past the limit."""
        if not self._limiter.hit(self._item, action, key):
            reset_at = self._limiter.get_window_stats(self._item, action, key).reset_time
            raise RateLimited(max(1, math.ceil(reset_at - time.time())))

    def reset(self) -> None:
        """Forget every count."""
        self._storage.reset()


class AuthRateLimiter:
    """Limits per (action, IP) and per (action, email), for sign-in and mail-sending actions."""

    def __init__(self, per_ip: str, per_email: str) -> None:
        self._per_ip = KeyedRateLimiter(per_ip)
        self._per_email = KeyedRateLimiter(per_email)

    def check(self, action: str, client_ip: str, email: str) -> None:
        """Count one attempt; RateLimited when either limit is exceeded."""
        self._per_ip.check(action, client_ip)
        self._per_email.check(action, email.strip().casefold())

    def reset(self) -> None:
        """Forget every count."""
        self._per_ip.reset()
        self._per_email.reset()


@lru_cache
def shared_api_key_limiter() -> KeyedRateLimiter:
    """The process's limiter for calls made with an API key (outbound pushes)."""
    return KeyedRateLimiter(get_settings().API_KEY_RATE_LIMIT)


@lru_cache
def shared_webhook_limiter() -> KeyedRateLimiter:
    """The process's limiter for provider webhooks, counted per channel."""
    return KeyedRateLimiter(get_settings().WEBHOOK_RATE_LIMIT)


@lru_cache
def shared_auth_limiter() -> AuthRateLimiter:
    """The process's limiter, with the configured limits."""
    settings = get_settings()
    return AuthRateLimiter(settings.AUTH_RATE_LIMIT_PER_IP, settings.AUTH_RATE_LIMIT_PER_EMAIL)
