"""Rate limits: counted per process in memory, or shared by every process through Redis."""

import secrets
import threading
import time

import pytest

from clawscale.domain.rate_limits import (
    KeyedRateLimiter,
    RateLimited,
    SignInLimiter,
    failure_delay,
)


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


def test_wrong_answers_are_slowed_after_three_failures_doubling_up_to_two_seconds():
    assert [failure_delay(n) for n in range(1, 9)] == [0, 0, 0, 0.5, 1.0, 2.0, 2.0, 2.0]


def _wrong() -> None:
    return None


def test_sign_in_slows_repeated_failures_of_one_address_and_email_and_never_the_right_password():
    limiter = SignInLimiter("100/minute", "100/minute")
    delays = [limiter.attempt("login", "203.0.113.9", "ada@example.com", _wrong) for _ in range(5)]
    assert [outcome.delay_seconds for outcome in delays] == [0, 0, 0, 0.5, 1.0]
    elsewhere = limiter.attempt("login", "198.51.100.7", "ada@example.com", _wrong)
    assert elsewhere.delay_seconds == 0
    right = limiter.attempt("login", "203.0.113.9", "ADA@example.com", lambda: "session")
    assert (right.result, right.delay_seconds) == ("session", 0)
    after = limiter.attempt("login", "203.0.113.9", "ada@example.com", _wrong)
    assert after.delay_seconds == 0


def test_sign_in_is_limited_per_address_and_per_address_and_email_not_per_email():
    limiter = SignInLimiter("4/minute", "2/minute")
    for _ in range(2):
        limiter.attempt("login", "203.0.113.9", "ada@example.com", _wrong)
    with pytest.raises(RateLimited):
        limiter.attempt("login", "203.0.113.9", "ada@example.com", _wrong)
    limiter.attempt("login", "203.0.113.9", "bo@example.com", _wrong)
    with pytest.raises(RateLimited):
        limiter.attempt("login", "203.0.113.9", "cy@example.com", _wrong)
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        limiter.attempt("login", address, "ada@example.com", _wrong)
    assert limiter.attempt("login", "192.0.2.4", "ada@example.com", lambda: "in").result == "in"
