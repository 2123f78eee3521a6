"""Rate limits (`limits`): sign-in per client address and per (address, email) with wrong
answers slowed down, mail-sending actions per client address and per email, calls per API key,
webhooks per channel.

Sign-in is never limited by email alone: strangers trying one email from elsewhere must not
lock its owner out. Mail-sending actions (register, forgot password, resend verification) keep a
per-email limit, so nobody can mail-bomb one address.

One limiter per process serves both the API routes and the pages' forms, so a person gets the
same number of attempts whichever way they come. With REDIS_URL set the counts live in Redis, so
several backends share one budget; without it they are the process's own. Should Redis be
unreachable, a request is let through (and logged) rather than refused: a limit is a guard, not
a reason to stop the gateway.

In memory, counts live in `InlineExpiryMemoryStorage`: limits' own memory storage starts a timer
thread 10 ms after any hit to drop expired counts, which under steady traffic is a thread start
(and a wait on the event loop for it) every 10 ms per limiter.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from clawscale.domain.errors import DomainError
from clawscale.settings import Settings, get_settings


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds until the next one counts."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited", "Too many attempts. Try again later.")
        self.retry_after = retry_after


logger = logging.getLogger(__name__)
EXPIRY_INTERVAL_SECONDS = 1.0


class InlineExpiryMemoryStorage(MemoryStorage):
    """limits' memory storage, dropping expired counts during a hit at most once every
    EXPIRY_INTERVAL_SECONDS instead of from a timer thread. (Counts are checked against their
    expiry when read either way; expiring only bounds the memory they hold.)"""

    STORAGE_SCHEME = ["inline-memory"]  # noqa: RUF012 (limits reads it off the class)

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: str
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_expiry = time.monotonic() + EXPIRY_INTERVAL_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:
        """Replaces the parent's (name-mangled) timer start: expire now if it is time."""
        now = time.monotonic()
        if now >= self._next_expiry:
            self._next_expiry = now + EXPIRY_INTERVAL_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


IN_MEMORY = "inline-memory://"


def counter_storage(redis_url: str) -> str:
    """Where the counts live: Redis when the deployment has one, else the process's memory."""
    return redis_url or IN_MEMORY


class KeyedRateLimiter:
    """A moving-window limit counted separately for each (action, key), under `name` (so
    limiters sharing one Redis never count each other's hits)."""

    def __init__(self, limit: str, name: str = "limit", storage: str = IN_MEMORY) -> None:
        self._name = name
        self._storage = storage_from_string(storage, wrap_exceptions=True)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._item: RateLimitItem = parse(limit)

    def check(self, action: str, key: str) -> None:
        """Count one attempt; RateLimited (with seconds to wait) past the limit."""
        try:
            allowed = self._limiter.hit(self._item, self._name, action, key)
            if allowed:
                return
            stats = self._limiter.get_window_stats(self._item, self._name, action, key)
        except StorageError as error:
            logger.warning("rate limit %s not counted, its storage failed: %s", self._name, error)
            return
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))

    def count(self, action: str, key: str) -> int:
        """Count one event and answer how many the window now holds (0 when the storage
        failed); never refuses."""
        try:
            self._limiter.hit(self._item, self._name, action, key)
            stats = self._limiter.get_window_stats(self._item, self._name, action, key)
        except StorageError as error:
            logger.warning("count %s not kept, its storage failed: %s", self._name, error)
            return 0
        return self._item.amount - stats.remaining

    def forget(self, action: str, key: str) -> None:
        """Drop the count of one (action, key)."""
        try:
            self._limiter.clear(self._item, self._name, action, key)
        except StorageError as error:
            logger.warning("count %s not cleared, its storage failed: %s", self._name, error)

    def reset(self) -> None:
        """Forget every count."""
        self._storage.reset()


class AuthRateLimiter:
    """Limits per (action, IP) and per (action, email), for mail-sending actions."""

    def __init__(self, per_ip: str, per_email: str, storage: str = IN_MEMORY) -> None:
        self._per_ip = KeyedRateLimiter(per_ip, "auth-ip", storage)
        self._per_email = KeyedRateLimiter(per_email, "auth-email", storage)

    def check(self, action: str, client_ip: str, email: str) -> None:
        """Count one attempt; RateLimited when either limit is exceeded."""
        self._per_ip.check(action, client_ip)
        self._per_email.check(action, email.strip().casefold())

    def reset(self) -> None:
        """Forget every count."""
        self._per_ip.reset()
        self._per_email.reset()


SLOW_AFTER_FAILURES = 3
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 2.0
FAILURE_MEMORY = "1000/15minutes"
"""How long failures of one (address, email) are remembered for slowing down."""

T = TypeVar("T")


def failure_delay(failures: int) -> float:
    """Seconds to hold back the answer to a wrong password, given the failures of its (address,
    email) counting this one: none for the first SLOW_AFTER_FAILURES, then
    FIRST_DELAY_SECONDS doubling up to MAX_DELAY_SECONDS."""
    if failures <= SLOW_AFTER_FAILURES:
        return 0.0
    doublings = min(failures - SLOW_AFTER_FAILURES - 1, 8)
    return min(FIRST_DELAY_SECONDS * 2**doublings, MAX_DELAY_SECONDS)


@dataclass(frozen=True)
class SignInOutcome(Generic[T]):
    """What a sign-in attempt gave: its result (None for wrong credentials) and how long the
    face must wait, without blocking, before answering a failure."""

    result: T | None
    delay_seconds: float = 0.0


def _address_and_email(address: str, email: str) -> str:
    return f"{address}|{email.strip().casefold()}"


class SignInLimiter:
    """Sign-in limits per (action, address) and per (action, address, email), and the slow-down
    of repeated wrong answers for one (address, email). The right password is never slowed and
    never refused because of attempts from other addresses."""

    def __init__(self, per_address: str, per_address_email: str, storage: str = IN_MEMORY) -> None:
        self._per_address = KeyedRateLimiter(per_address, "sign-in-address", storage)
        self._per_address_email = KeyedRateLimiter(
            per_address_email, "sign-in-address-email", storage
        )
        self._failures = KeyedRateLimiter(FAILURE_MEMORY, "sign-in-failures", storage)

    def attempt(
        self, action: str, address: str, email: str, sign_in: Callable[[], T | None]
    ) -> SignInOutcome[T]:
        """Count the attempt (RateLimited past a limit), then run `sign_in` (None: wrong
        credentials). A failure is remembered and answered with its delay; a success clears
        the failures of its (address, email)."""
        key = _address_and_email(address, email)
        self._per_address.check(action, address)
        self._per_address_email.check(action, key)
        result = sign_in()
        if result is None:
            return SignInOutcome(None, failure_delay(self._failures.count(action, key)))
        self._failures.forget(action, key)
        return SignInOutcome(result)

    def reset(self) -> None:
        """Forget every count."""
        for limiter in (self._per_address, self._per_address_email, self._failures):
            limiter.reset()


@lru_cache
def shared_sign_in_limiter() -> SignInLimiter:
    """The process's sign-in limiter, with the configured limits."""
    settings = get_settings()
    return SignInLimiter(
        settings.AUTH_RATE_LIMIT_PER_IP,
        settings.AUTH_RATE_LIMIT_PER_IP_EMAIL,
        counter_storage(settings.REDIS_URL),
    )


@lru_cache
def shared_api_key_limiter() -> KeyedRateLimiter:
    """The process's limiter for calls made with an API key (outbound pushes)."""
    settings = get_settings()
    storage = counter_storage(settings.REDIS_URL)
    return KeyedRateLimiter(settings.API_KEY_RATE_LIMIT, "api-key", storage)


@lru_cache
def shared_webhook_limiter() -> KeyedRateLimiter:
    """The process's limiter for provider webhooks, counted per channel."""
    settings = get_settings()
    return KeyedRateLimiter(
        settings.WEBHOOK_RATE_LIMIT, "webhook", counter_storage(settings.REDIS_URL)
    )


@lru_cache
def shared_auth_limiter() -> AuthRateLimiter:
    """The process's limiter, with the configured limits."""
    settings = get_settings()
    return AuthRateLimiter(
        settings.AUTH_RATE_LIMIT_PER_IP,
        settings.AUTH_RATE_LIMIT_PER_EMAIL,
        counter_storage(settings.REDIS_URL),
    )


class WebChatLimits:
    """The bounds of web chat: messages per visitor and per channel, reads (history pages and
    stream connections) per visitor, and new visitors per channel and per address."""

    def __init__(self, settings: Settings, storage: str = IN_MEMORY) -> None:
        self._per_visitor = KeyedRateLimiter(
            settings.WEB_CHAT_MESSAGES_PER_VISITOR, "web-chat-visitor", storage
        )
        self._per_channel = KeyedRateLimiter(
            settings.WEB_CHAT_MESSAGES_PER_CHANNEL, "web-chat-channel", storage
        )
        self._reads = KeyedRateLimiter(
            settings.WEB_CHAT_READS_PER_VISITOR, "web-chat-read", storage
        )
        self._new_per_channel = KeyedRateLimiter(
            settings.WEB_CHAT_NEW_VISITORS_PER_CHANNEL, "web-chat-new-channel", storage
        )
        self._new_per_address = KeyedRateLimiter(
            settings.WEB_CHAT_NEW_VISITORS_PER_ADDRESS, "web-chat-new-address", storage
        )

    def check_message(self, channel_id: str, visitor_id: str) -> None:
        """Count one message; RateLimited past the visitor's or the channel's limit."""
        self._per_visitor.check(channel_id, visitor_id)
        self._per_channel.check("messages", channel_id)

    def check_read(self, channel_id: str, visitor_id: str) -> None:
        """Count one history page or stream connection of a visitor."""
        self._reads.check(channel_id, visitor_id)

    def check_new_visitor(self, channel_id: str, address: str) -> None:
        """Count one new visitor; RateLimited past the channel's or the address's limit."""
        self._new_per_address.check("visitors", address)
        self._new_per_channel.check("visitors", channel_id)

    def reset(self) -> None:
        """Forget every count."""
        for limiter in (
            self._per_visitor,
            self._per_channel,
            self._reads,
            self._new_per_channel,
            self._new_per_address,
        ):
            limiter.reset()


@lru_cache
def shared_web_chat_limits() -> WebChatLimits:
    """The process's web chat limits, with the configured values."""
    settings = get_settings()
    return WebChatLimits(settings, counter_storage(settings.REDIS_URL))
