"""The benchmarks' side of the fake peer (bench/provider_app.py, the fake provider and runtime
in one): what it has seen since its last reset, and waiting for the worker to catch up."""

import time
from dataclasses import dataclass

import httpx

CATCH_UP_LIMIT_SECONDS = 180.0
QUIET_SECONDS = 0.5


@dataclass(frozen=True)
class PeerStats:
    """Stamped messages the peer received since its last reset: how many, the median and p99
    of their end-to-end latency (seconds), the earliest send stamp among them, the wall-clock
    time the last one arrived (Unix seconds) and how many of them repeated an earlier text (sent
    twice)."""

    count: int
    median: float
    p99: float
    first_sent: float
    last_arrival: float
    sent_twice: int

    @property
    def rate(self) -> float:
        """Messages delivered a second, from the first one sent to the last one delivered."""
        elapsed = self.last_arrival - self.first_sent
        return self.count / elapsed if self.count and elapsed > 0 else 0.0


@dataclass(frozen=True)
class Peer:
    """The fake peer at `url`, served by the process tree `pid`."""

    url: str
    pid: int

    def stats(self) -> PeerStats:
        body = httpx.get(f"{self.url}/stats").json()
        return PeerStats(
            body["count"],
            body["median"],
            body["p99"],
            body["first_sent"],
            body["last_arrival"],
            body["sent_twice"],
        )

    def reset(self) -> None:
        httpx.post(f"{self.url}/reset")

    def catch_up(self, expected: int) -> float:
        """Wait until the peer has seen `expected` messages (the worker has delivered what was
        accepted) and then none for QUIET_SECONDS (a request the server stored but wrk never
        saw answered arrives too, before the next run), or CATCH_UP_LIMIT_SECONDS pass; the
        seconds until it had seen `expected`."""
        started = time.monotonic()
        reached = None
        while time.monotonic() - started < CATCH_UP_LIMIT_SECONDS:
            stats = self.stats()
            if stats.count >= expected:
                reached = reached or time.monotonic()
                if time.time() - stats.last_arrival >= QUIET_SECONDS:
                    break
            time.sleep(0.25)
        return (reached or time.monotonic()) - started
