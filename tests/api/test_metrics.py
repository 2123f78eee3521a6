"""`GET /metrics`: closed unless METRICS_API_KEY is set and presented; counts outbound work."""

from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.passes import send_due


def test_metrics_are_not_public_by_accident(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 401


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not found")


def test_metrics_count_outbound_work_and_show_the_queue(db, client, session, use_settings):
    use_settings(METRICS_API_KEY="scrape-key")
    headers = {"Authorization": "Bearer scrape-key"}
    before = client.get("/metrics", headers=headers).text
    with fake_evolution() as evolution:
        routed = routed_conversation(session, evolution_channel(session, evolution.url))
        evolution.fail_next(FakeResponse(503))
        for key in ("a", "b"):
            client.post(
                "/api/outbound",
                headers={"Authorization": "Bearer dev-outbound-api-key"},
                json={
                    "output_id": key,
                    "customer_id": routed.customer.id,
                    "business_conversation_key": routed.key,
                    "message_type": "text",
                    "delivery_mode": "push",
                    "expect_output_timestamp": 0,
                    "idempotency_key": key,
                    "trace_id": key,
                    "text": key,
                },
            )
        assert send_due(db) == 1
    after = client.get("/metrics", headers=headers)
    assert after.status_code == 200
    text = after.text
    accepted = "clawscale_outbound_accepted_total"
    assert sample(text, accepted) - sample(before, accepted) == 2
    retried = "clawscale_outbound_retried_total"
    assert sample(text, retried) - sample(before, retried) == 1
    assert 'clawscale_outbound_queue_depth{status="failed"} 1.0' in text
    assert 'clawscale_outbound_queue_depth{status="pending"} 1.0' in text
    assert "clawscale_inbound_parked 0.0" in text
    assert "clawscale_outbound_send_seconds_bucket" in text
