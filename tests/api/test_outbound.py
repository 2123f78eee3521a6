"""`POST /api/outbound` over real HTTP against a fake Evolution API, on both databases."""

import threading
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from clawscale.domain.outbox.dispatch import retry_dead_delivery
from clawscale.models import (
    Channel,
    DeliveryAttempt,
    DeliveryRoute,
    OutboundDelivery,
)
from clawscale.models.base import utcnow
from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.passes import send_all_due, send_due

KEY = {"Authorization": "Bearer dev-outbound-api-key"}


def body(routed, key="idem-1", **overrides):
    payload = {
        "output_id": "out-1",
        "customer_id": routed.customer.id,
        "business_conversation_key": routed.key,
        "message_type": "text",
        "delivery_mode": "push",
        "expect_output_timestamp": "2026-11-24T10:00:00Z",
        "idempotency_key": key,
        "trace_id": "trace-1",
        "text": "Hello from the agent",
    }
    payload.update(overrides)
    return {name: value for name, value in payload.items() if value is not None}


def post(client, payload, headers=KEY):
    return client.post("/api/outbound", json=payload, headers=headers)


def deliveries(session):
    session.expire_all()
    return session.exec(select(OutboundDelivery)).all()


def attempts(session):
    session.expire_all()
    return session.exec(select(func.count()).select_from(DeliveryAttempt)).one()


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


@pytest.fixture
def routed(session, evolution):
    return routed_conversation(session, evolution_channel(session, evolution.url))


def test_a_reply_is_stored_then_sent_once_by_the_dispatcher(db, client, session, evolution, routed):
    response = post(client, body(routed, extra_field="ignored", product_notification_id="p1"))
    assert response.status_code == 200
    assert response.json() == {"ok": True, "idempotency_key": "idem-1", "status": "queued"}
    [queued] = deliveries(session)
    assert queued.status == "pending"
    assert "extra_field" not in queued.payload
    assert evolution.sent == []
    assert send_due(db) == 1
    assert evolution.sent == [
        ("sendText", {"number": "15550001111", "text": "Hello from the agent"})
    ]
    [delivery] = deliveries(session)
    assert delivery.status == "succeeded"
    assert delivery.channel_id == routed.channel.id
    assert delivery.target == "15550001111"
    assert delivery.provider_message_id
    assert attempts(session) == 1


def test_account_id_is_accepted_for_customer_id(db, client, evolution, routed):
    payload = body(routed, customer_id=None, account_id=routed.customer.id)
    assert post(client, payload).status_code == 200
    assert send_due(db) == 1
    assert len(evolution.sent) == 1


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer"}]
)
def test_a_wrong_key_is_refused_and_nothing_is_created(client, session, routed, headers):
    response = post(client, body(routed), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert deliveries(session) == []


BAD_BODIES = {
    "missing idempotency key": {"idempotency_key": None},
    "missing trace id": {"trace_id": None},
    "missing customer": {"customer_id": None},
    "empty text": {"text": ""},
    "blank text": {"text": "   "},
    "unknown message type": {"message_type": "video"},
    "unknown delivery mode": {"delivery_mode": "pull"},
    "image without media": {"message_type": "image"},
    "voice without media": {"message_type": "voice", "text": None},
    "relative media url": {"mediaUrls": ["/files/a.png"]},
    "ftp media url": {"mediaUrls": ["ftp://example.com/a.png"]},
    "media not a list": {"mediaUrls": "https://example.com/a.png"},
    "text not a string": {"text": 42},
    "customer and account differ": {"account_id": "ck_other"},
    "too long text": {"text": "x" * 20_000},
}


@pytest.mark.parametrize("overrides", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_answer_invalid_body_and_create_nothing(
    client, session, evolution, routed, overrides
):
    response = post(client, body(routed, **overrides))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert deliveries(session) == []
    assert evolution.sent == []


def test_a_megabyte_of_text_is_refused(client, session, routed):
    response = post(client, body(routed, text="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert deliveries(session) == []


def test_non_json_is_refused(client, session):
    response = client.post(
        "/api/outbound", content=b"not json", headers={**KEY, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


def test_unknown_or_inactive_routes_are_missing(client, session, routed):
    unknown = post(client, body(routed, business_conversation_key="nope"))
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "missing_delivery_route"
    route = session.get(DeliveryRoute, (routed.customer.id, routed.key))
    route.is_active = False
    session.add(route)
    session.commit()
    inactive = post(client, body(routed))
    assert inactive.status_code == 404
    assert inactive.json()["error"] == "missing_delivery_route"
    assert deliveries(session) == []


def test_an_archived_channel_is_not_found(client, session, routed):
    channel = session.get(Channel, routed.channel.id)
    channel.status = "archived"
    session.add(channel)
    session.commit()
    response = post(client, body(routed))
    assert response.status_code == 404
    assert response.json()["error"] == "channel_not_found"


def test_repeats_of_a_sent_key(db, client, evolution, routed):
    assert post(client, body(routed)).status_code == 200
    send_due(db)
    again = post(client, body(routed, trace_id="trace-2"))
    assert again.status_code == 409
    assert again.json()["error"] == "duplicate_request"
    different = post(client, body(routed, text="Something else"))
    assert different.status_code == 409
    assert different.json()["error"] == "idempotency_key_conflict"
    assert len(evolution.sent) == 1


def test_a_repeat_before_or_while_sending_is_in_progress(db, client, evolution, routed):
    assert post(client, body(routed)).status_code == 200
    queued = post(client, body(routed))
    assert queued.status_code == 409
    assert queued.json()["error"] == "duplicate_request_in_progress"
    evolution.delay_seconds = 1.5
    sender = threading.Thread(target=send_due, args=(db,))
    sender.start()
    while not evolution.server.requests:
        threading.Event().wait(0.02)
    sending = post(client, body(routed))
    sender.join()
    assert sending.status_code == 409
    assert sending.json()["error"] == "duplicate_request_in_progress"
    assert post(client, body(routed)).json()["error"] == "duplicate_request"
    assert len(evolution.sent) == 1


def test_provider_down_fails_the_attempt_and_a_repost_sends_it_once(
    db, client, session, evolution, routed
):
    evolution.fail_next(FakeResponse(503, {"error": "down"}))
    assert post(client, body(routed)).json()["status"] == "queued"
    assert send_due(db) == 1
    [delivery] = deliveries(session)
    assert delivery.status == "failed"
    assert delivery.next_attempt_at > utcnow()
    assert "503" in delivery.error
    assert send_due(db) == 0
    again = post(client, body(routed))
    assert again.json() == {"ok": True, "idempotency_key": "idem-1", "status": "queued"}
    assert send_due(db) == 1
    assert len(evolution.sent) == 1
    assert attempts(session) == 2
    assert post(client, body(routed)).json()["error"] == "duplicate_request"


def test_a_reclaimed_key_goes_to_its_stored_target_not_a_new_route(
    db, client, session, evolution, routed
):
    evolution.fail_next(FakeResponse(500))
    post(client, body(routed))
    send_due(db)
    route = session.get(DeliveryRoute, (routed.customer.id, routed.key))
    route.external_end_user_id = "15559999999"
    session.add(route)
    session.commit()
    assert post(client, body(routed)).status_code == 200
    send_due(db)
    assert evolution.sent[0][1]["number"] == "15550001111"


def test_a_permanent_failure_is_dead_until_an_admin_retries(db, client, session, evolution, routed):
    evolution.fail_next(FakeResponse(400, {"error": "not a WhatsApp number"}))
    assert post(client, body(routed)).status_code == 200
    send_due(db)
    [delivery] = deliveries(session)
    assert delivery.status == "dead"
    assert "400" in delivery.error
    assert retry_dead_delivery(session, None, delivery.id) is not None
    session.commit()
    assert post(client, body(routed)).json()["error"] == "duplicate_request_in_progress"


def test_a_dead_key_posted_again_is_reclaimed_and_sent(db, client, session, evolution, routed):
    evolution.fail_next(FakeResponse(404, {"error": "instance not found"}))
    post(client, body(routed))
    send_due(db)
    assert [d.status for d in deliveries(session)] == ["dead"]
    assert post(client, body(routed)).json()["status"] == "queued"
    assert send_due(db) == 1
    assert len(evolution.sent) == 1
    assert [d.status for d in deliveries(session)] == ["succeeded"]


def test_rate_limited_sends_wait_at_least_retry_after(db, client, session, evolution, routed):
    evolution.fail_next(FakeResponse(429, {}, {"Retry-After": "120"}))
    post(client, body(routed))
    send_due(db)
    [delivery] = deliveries(session)
    assert delivery.status == "failed"
    assert delivery.next_attempt_at >= utcnow() + timedelta(seconds=115)


def test_a_later_reply_waits_behind_an_earlier_failed_one(db, client, session, evolution, routed):
    evolution.fail_next(FakeResponse(503))
    assert post(client, body(routed, key="first", text="one")).json()["status"] == "queued"
    assert post(client, body(routed, key="second", text="two")).json()["status"] == "queued"
    assert send_due(db) == 1
    assert send_due(db) == 0
    assert evolution.sent == []
    assert {d.idempotency_key: d.status for d in deliveries(session)} == {
        "first": "failed",
        "second": "pending",
    }


def test_images_and_voice_use_the_native_endpoints(db, client, evolution, routed):
    image = body(
        routed,
        key="img",
        message_type="image",
        text="Look",
        mediaUrls=["https://cdn.example/a.png"],
    )
    voice = body(
        routed,
        key="voice",
        message_type="voice",
        text=None,
        mediaUrls=["https://cdn.example/v.ogg"],
    )
    text_with_media = body(routed, key="mixed", mediaUrls=["https://cdn.example/doc.pdf"])
    for payload in (image, voice, text_with_media):
        assert post(client, payload).json()["status"] == "queued"
    assert send_all_due(db) == 3
    assert evolution.sent == [
        (
            "sendMedia",
            {
                "number": "15550001111",
                "mediatype": "image",
                "media": "https://cdn.example/a.png",
                "caption": "Look",
            },
        ),
        ("sendWhatsAppAudio", {"number": "15550001111", "audio": "https://cdn.example/v.ogg"}),
        (
            "sendText",
            {
                "number": "15550001111",
                "text": "Hello from the agent\nAttachment: https://cdn.example/doc.pdf",
            },
        ),
    ]


def test_parallel_posts_of_one_key_make_one_row_and_one_send(
    db, client, api_url, session, evolution, routed, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is proven on PostgreSQL")
    results: list[int] = []
    lock = threading.Lock()

    def fire() -> None:
        with httpx.Client(base_url=api_url, timeout=30) as own:
            status = post(own, body(routed)).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=fire) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(deliveries(session)) == 1
    assert send_all_due(db) == 1
    assert len(evolution.sent) == 1
    assert results.count(200) == 1
    assert set(results) <= {200, 409}
