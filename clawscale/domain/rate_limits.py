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


class AuthRateLimiter:
    """Moving-window limits per (action, IP) and (action, email)."""

    def __init__(self, per_ip: str, per_email: str) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._per_ip = parse(per_ip)
        self._per_email = parse(per_email)

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        reset_at = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def check(self, action: str, client_ip: str, email: str) -> None:
        """Count one attempt; RateLimited when either limit is exceeded."""
        for item, key in ((self._per_ip, client_ip), (self._per_email, email.strip().casefold())):
            if not self._limiter.hit(item, action, key):
                raise RateLimited(self._retry_after(item, action, key))

    def reset(self) -> None:
        """Forget every count."""
        self._storage.reset()


@lru_cache
def shared_auth_limiter() -> AuthRateLimiter:
    """The process's limiter, with the configured limits."""
    settings = get_settings()
    return AuthRateLimiter(settings.AUTH_RATE_LIMIT_PER_IP, settings.AUTH_RATE_LIMIT_PER_EMAIL)
