"""Rate limits: counted per process in memory, or shared by every process through Redis."""

import secrets
import threading
import time

import pytest

from clawscale.domain.rate_limits import KeyedRateLimiter, RateLimited


def test_in_memory_counts_are_each_limiters_own():
    first, second = KeyedRateLimiter("2/minute"), KeyedRateLimiter("2/minute")
    for _ in range(2):
        first.check("outbound", "key")
    with pytest.raises(RateLimited) as refused:
        first.check("outbound", "key")
    assert 1 <= refused.value.retry_after <= 60
    second.check("outbound", "key")
    first.check("outbound", "another key")


def test_in_memory_counting_starts_no_threads():
    def pending_timers():
        return [
            thread
            for thread in threading.enumerate()
            if isinstance(thread, threading.Timer) and not thread.finished.is_set()
        ]

    limiter = KeyedRateLimiter("1000/second")
    for _ in range(5):
        time.sleep(0.02)
        limiter.check("outbound", "key")
        assert pending_timers() == []


def test_in_memory_counts_past_their_window_are_dropped_by_a_later_hit():
    limiter = KeyedRateLimiter("2/second")
    limiter.check("webhook", "quiet channel")
    limiter.check("webhook", "quiet channel")
    time.sleep(1.1)
    limiter.check("webhook", "busy channel")
    held = {key.split("/")[3]: len(events) for key, events in limiter._storage.events.items()}
    assert held == {"quiet channel": 0, "busy channel": 1}


def test_backends_sharing_redis_share_one_budget_per_limiter_name(redis_url):
    action = f"outbound-{secrets.token_hex(4)}"
    backend_one = KeyedRateLimiter("3/minute", "api-key", redis_url)
    backend_two = KeyedRateLimiter("3/minute", "api-key", redis_url)
    webhooks = KeyedRateLimiter("3/minute", "webhook", redis_url)
    backend_one.check(action, "key")
    backend_two.check(action, "key")
    backend_one.check(action, "key")
    with pytest.raises(RateLimited):
        backend_two.check(action, "key")
    webhooks.check(action, "key")


def test_an_unreachable_redis_lets_requests_through():
    limiter = KeyedRateLimiter("1/minute", "api-key", "redis://127.0.0.1:1")
    for _ in range(3):
        limiter.check("outbound", "key")
