"""Prometheus metrics: outbound counters and send latency, plus queue figures read at scrape.

Counters are per process (the API and each standalone worker count what they did); the queue
figures come from the database, so every process reports the same depth.
"""

from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.domain.outbox.queries import queue_figures
from clawscale.models import DeliveryStatus

OUTBOUND_ACCEPTED = Counter(
    "clawscale_outbound_accepted_total", "Outbound deliveries accepted into the outbox"
)
OUTBOUND_SENT = Counter("clawscale_outbound_sent_total", "Outbound deliveries sent")
OUTBOUND_RETRIED = Counter(
    "clawscale_outbound_retried_total", "Send attempts that failed and were scheduled again"
)
OUTBOUND_DEAD = Counter("clawscale_outbound_dead_total", "Outbound deliveries given up as dead")
SEND_SECONDS = Histogram(
    "clawscale_outbound_send_seconds",
    "Time one send attempt took at the provider",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)


class QueueCollector(Collector):
    """Outbox depth by status and parked inbound events, read from the database at scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with Session(self.engine) as db:
            figures = queue_figures(db)
        depth = GaugeMetricFamily(
            "clawscale_outbound_queue_depth", "Deliveries waiting to be sent", labels=["status"]
        )
        for status, count in figures.outbound_by_status.items():
            depth.add_metric([status], count)
        yield depth
        yield GaugeMetricFamily(
            "clawscale_inbound_parked", "Inbound events parked", value=figures.parked_inbound
        )


OUTCOME_COUNTERS = {
    DeliveryStatus.SUCCEEDED: OUTBOUND_SENT,
    DeliveryStatus.FAILED: OUTBOUND_RETRIED,
    DeliveryStatus.DEAD: OUTBOUND_DEAD,
}


def count_send(status: DeliveryStatus | None, seconds: float | None) -> None:
    """Count a recorded send attempt: its new status, and how long its provider call took."""
    if seconds is not None:
        SEND_SECONDS.observe(seconds)
    counter = OUTCOME_COUNTERS.get(status) if status else None
    if counter is not None:
        counter.inc()


def database_registry(engine: Engine) -> CollectorRegistry:
    """A registry holding the database-backed gauges for one engine."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(engine))
    return registry


def exposition(database: CollectorRegistry) -> bytes:
    """The text every metrics endpoint serves: this process's counters, then `database`'s
    queue figures."""
    return generate_latest(REGISTRY) + generate_latest(database)
