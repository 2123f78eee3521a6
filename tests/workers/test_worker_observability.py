"""`python -m clawscale.workers` as operators watch it: a JSON start line, a batch summary per
recorded batch, and its metrics port answering counters that move when it sends."""

import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from clawscale.domain.outbox.accept import accept_delivery
from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.processes import free_port, running, wait_until, worker_process

METRICS_KEY = "scrape-key"


def sent_total(metrics_url: str) -> float | None:
    """The worker's `clawscale_outbound_sent_total`, or None while its port does not answer."""
    try:
        answer = httpx.get(
            metrics_url, headers={"Authorization": f"Bearer {METRICS_KEY}"}, timeout=5
        )
    except httpx.HTTPError:
        return None
    assert answer.status_code == 200
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "clawscale_outbound_sent_total":
                return sample.value
    raise AssertionError("no clawscale_outbound_sent_total in the worker's metrics")


def json_lines(log: Path) -> list[dict]:
    """Every line of the worker's output, each of which must be a JSON object."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def batch_summaries(log: Path) -> list[dict]:
    return [line for line in json_lines(log) if line.get("event") == "batch"]


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


def test_the_worker_process_logs_its_start_and_batches_and_serves_moving_counters(
    db, session, evolution, database_url, tmp_path
):
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    session.commit()
    port = free_port()
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    log = tmp_path / "worker.log"
    worker = worker_process(
        database_url,
        log,
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        WORKER_METRICS_PORT=str(port),
        METRICS_API_KEY=METRICS_KEY,
    )
    with running(worker):
        wait_until(lambda: sent_total(metrics_url) is not None, what="the metrics port")
        assert httpx.get(metrics_url, timeout=5).status_code == 401
        before = sent_total(metrics_url)

        payload = {
            "customer_id": routed.customer.id,
            "business_conversation_key": routed.key,
            "message_type": "text",
            "text": "watched",
        }
        accept_delivery(session, "watched-1", routed.customer.id, routed.key, payload)
        session.commit()
        wait_until(lambda: sent_total(metrics_url) == before + 1, what="the sent counter")
        wait_until(lambda: batch_summaries(log), what="a batch summary")

    assert evolution.texts() == ["watched"]
    start = json_lines(log)[0]
    assert start["event"] == "start"
    assert start["level"] == "INFO"
    assert start["process_kind"] == "workers"
    assert start["pid"] == worker.pid
    assert start["database"] == database_url.split(":", 1)[0].split("+")[0]
    assert database_url not in log.read_text()
    summary = batch_summaries(log)[0]
    assert summary["worker"] == "dispatcher"
    assert (summary["claimed"], summary["sent"], summary["retried"], summary["dead"]) == (
        1,
        1,
        0,
        0,
    )
