"""`/api/admin/deliveries`: filters, keyset paging, attempts, and retrying a dead delivery."""

from datetime import timedelta

import pytest
from sqlmodel import select

from clawscale.api.admin_deliveries import DeliveryPublic
from clawscale.models import AuditLog, OutboundDelivery
from clawscale.models.base import utcnow
from tests.admin_auth import admin_headers, customer_headers
from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.passes import send_due

OUTBOUND_KEY = {"Authorization": "Bearer dev-outbound-api-key"}


@pytest.fixture
def headers(session):
    return admin_headers(session)


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


def add_delivery(session, routed, key, status, created_at):
    delivery = OutboundDelivery(
        idempotency_key=key,
        payload={"text": key, "message_type": "text"},
        payload_hash="h",
        customer_id=routed.customer.id,
        business_conversation_key=routed.key,
        channel_id=routed.channel.id,
        target=routed.end_user.external_id,
        status=status,
        created_at=created_at,
    )
    session.add(delivery)
    session.commit()
    return delivery


def test_only_admins_may_look(client, session):
    assert client.get("/api/admin/deliveries").status_code == 401
    response = client.get("/api/admin/deliveries", headers=customer_headers(session))
    assert response.status_code == 401


def test_lists_failures_by_default_and_filters(client, session, headers, evolution):
    channel = evolution_channel(session, evolution.url)
    ada = routed_conversation(session, channel, external_id="1", key="ada")
    bob = routed_conversation(session, channel, external_id="2", key="bob")
    start = utcnow() - timedelta(hours=1)
    add_delivery(session, ada, "a-ok", "succeeded", start)
    add_delivery(session, ada, "a-failed", "failed", start + timedelta(minutes=1))
    add_delivery(session, bob, "b-dead", "dead", start + timedelta(minutes=2))

    def keys(**params):
        response = client.get("/api/admin/deliveries", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["idempotency_key"] for item in response.json()["data"]["items"]]

    assert keys() == ["b-dead", "a-failed"]
    assert keys(status="all") == ["b-dead", "a-failed", "a-ok"]
    assert keys(status="succeeded") == ["a-ok"]
    assert keys(status="all", customer_id=ada.customer.id) == ["a-failed", "a-ok"]
    assert keys(channel_id=channel.id, status="dead") == ["b-dead"]
    until = (start + timedelta(seconds=90)).isoformat()
    assert keys(status="all", until=until) == ["a-failed", "a-ok"]


def test_keyset_and_offset_paging_agree(client, session, headers, evolution):
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    start = utcnow() - timedelta(hours=1)
    for index in range(7):
        add_delivery(session, routed, f"k{index}", "dead", start + timedelta(seconds=index))
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        data = client.get("/api/admin/deliveries", params=params, headers=headers).json()["data"]
        seen += [item["idempotency_key"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"k{index}" for index in reversed(range(7))]
    by_offset = client.get(
        "/api/admin/deliveries", params={"limit": 3, "offset": 3}, headers=headers
    ).json()["data"]
    assert [item["idempotency_key"] for item in by_offset["items"]] == seen[3:6]
    assert by_offset["total"] == 7


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"cursor": "!!"}, {"limit": 0}, {"limit": 201}, {"colour": "red"}],
)
def test_bad_queries_are_refused(client, headers, params):
    response = client.get("/api/admin/deliveries", params=params, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"


def test_detail_shows_attempts_and_an_admin_can_retry_a_dead_delivery(
    db, client, session, headers, evolution
):
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    evolution.fail_next(FakeResponse(400, {"error": "bad number"}))
    payload = {
        "output_id": "o",
        "customer_id": routed.customer.id,
        "business_conversation_key": routed.key,
        "message_type": "text",
        "delivery_mode": "push",
        "expect_output_timestamp": 0,
        "idempotency_key": "idem",
        "trace_id": "t",
        "text": "hi",
    }
    assert client.post("/api/outbound", json=payload, headers=OUTBOUND_KEY).status_code == 200
    assert send_due(db) == 1
    [delivery] = session.exec(select(OutboundDelivery)).all()
    detail = client.get(f"/api/admin/deliveries/{delivery.id}", headers=headers).json()
    assert detail["data"]["delivery"]["status"] == "dead"
    assert set(detail["data"]["delivery"]) == set(DeliveryPublic.model_fields)
    assert not {"lease_owner", "lease_expires_at", "provider_context"} & set(
        detail["data"]["delivery"]
    )
    [attempt] = detail["data"]["attempts"]
    assert "delivery_id" not in attempt
    assert attempt["succeeded"] is False
    assert "400" in attempt["error"]
    retried = client.post(f"/api/admin/deliveries/{delivery.id}/retry", headers=headers)
    assert retried.status_code == 200
    assert retried.json()["data"]["delivery"]["status"] == "pending"
    again = client.post(f"/api/admin/deliveries/{delivery.id}/retry", headers=headers)
    assert again.status_code == 409
    assert again.json()["error"] == "delivery_not_dead"
    missing = client.post("/api/admin/deliveries/od_nope/retry", headers=headers)
    assert missing.status_code == 404
    assert [row.action for row in session.exec(select(AuditLog)).all()] == ["delivery.retry"]
