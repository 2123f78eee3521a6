"""The gateway serving a runtime that reads forwards exactly as Coke's bridge does.

Provider webhooks arrive over real HTTP; the inbound worker forwards to `tests/fakes/runtime.py`
(Coke's `/bridge/inbound`: the same required keys, 400 codes, attachment normalisation, holding
and answers); the dispatcher sends replies to the provider's fake. Every test runs on SQLite and
PostgreSQL.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest
from sqlmodel import select

from clawscale.models import AgentBinding, InboundEvent
from clawscale.settings import Settings
from clawscale.workers.dispatcher import Dispatcher
from clawscale.workers.inbound import InboundWorker
from clawscale.workers.loop import run_inbound_worker
from tests.admin_auth import admin_headers
from tests.api.test_provider_webhooks import KINDS, TOKEN, Kind, post, shared_channel
from tests.factories import default_agent
from tests.fakes.evolution import fake_evolution, upsert_event
from tests.fakes.gewe import fake_gewe
from tests.fakes.http_server import FakeResponse
from tests.fakes.linq import fake_linq
from tests.fakes.runtime import LateReply, fake_runtime
from tests.passes import in_background, run_passes
from tests.processes import wait_until

SETTINGS = Settings(_env_file=None)
IDENTITY_AUTH = {"Authorization": "Bearer dev-identity-api-key"}
OUTBOUND_AUTH = {"Authorization": "Bearer dev-outbound-api-key"}
SHARED_KINDS = ("whatsapp_evolution", "wechat_ecloud", "linq")
PROVIDER_FAKES = {
    "whatsapp_evolution": fake_evolution,
    "wechat_ecloud": fake_gewe,
    "linq": fake_linq,
}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)


@pytest.fixture
def runtime():
    with fake_runtime() as fake:
        yield fake


@contextmanager
def provider(kind_name: str) -> Iterator[tuple[Kind, object]]:
    """The kind with its provider's fake running and the kind's base URL pointing at it."""
    with PROVIDER_FAKES[kind_name]() as fake:
        kind = KINDS[kind_name]
        yield replace(kind, config={**kind.config, "base_url": fake.url}), fake


def forward_and_send(db) -> None:
    """Provision, forward and deliver what is due (passes enough for a first contact)."""
    run_passes(db, InboundWorker, count=3, settings=SETTINGS)
    run_passes(db, Dispatcher, settings=SETTINGS)


def binding_of(session) -> AgentBinding:
    session.expire_all()
    [binding] = session.exec(select(AgentBinding)).all()
    return binding


def events(session) -> list[InboundEvent]:
    session.expire_all()
    return list(session.exec(select(InboundEvent).order_by(InboundEvent.created_at)).all())


@pytest.mark.parametrize("mode", ["none", "url"])
@pytest.mark.parametrize("kind_name", SHARED_KINDS)
def test_a_first_contact_on_each_shared_kind_is_provisioned_forwarded_and_answered(
    db, client, session, runtime, kind_name, mode
):
    provisioning_url = runtime.provisioning_url if mode == "url" else None
    agent = default_agent(session, runtime.endpoint, provisioning_url=provisioning_url)
    with provider(kind_name) as (kind, fake):
        channel = shared_channel(session, kind, agent=agent)
        runtime.replies.append("Welcome!")
        answer = post(client, kind.name, channel.id, *kind.request(kind.payload("first-1")))
        assert answer.json()["data"] == {"received": 1, "duplicates": 0}
        forward_and_send(db)
        assert fake.texts() == ["Welcome!"]
    binding = binding_of(session)
    assert binding.provision_status == "ready"
    expected = [{"customer_id": binding.customer_id}] if mode == "url" else []
    assert [{"customer_id": body["customer_id"]} for body in runtime.provisioned] == expected
    [message] = runtime.accepted
    assert (message.coke_account_id, message.platform, message.channel_scope) == (
        binding.customer_id,
        kind.name,
        "tenant_shared",
    )
    assert message.text == "hello"
    assert runtime.redeliveries == [] and runtime.lost_replies == []


def test_coke_s_refusal_of_a_provisioning_call_shows_at_once(db, client, session, runtime):
    agent = default_agent(session, runtime.endpoint, provisioning_url=runtime.endpoint)
    with provider("whatsapp_evolution") as (kind, _):
        channel = shared_channel(session, kind, agent=agent)
        post(client, kind.name, channel.id, *kind.request(kind.payload("refused-1")))
        run_passes(db, InboundWorker, settings=SETTINGS)
    binding = binding_of(session)
    assert (binding.provision_status, binding.attempts) == ("error", 1)
    assert binding.last_error == "missing_coke_account_id (HTTP 400)"
    assert [event.status for event in events(session)] == ["parked"]
    admin = admin_headers(session)
    [row] = client.get("/api/admin/customers", headers=admin).json()["data"]["items"]
    assert (row["provision_status"], row["provision_error"]) == (
        "error",
        "missing_coke_account_id (HTTP 400)",
    )
    run_passes(db, InboundWorker, count=2, settings=SETTINGS)
    assert binding_of(session).attempts == 1
    assert runtime.accepted == []

    # The operator switches the agent to needing no provisioning and retries: served at once.
    switched = client.patch(
        f"/api/admin/agents/{agent.id}", json={"provisioning_url": None}, headers=admin
    )
    assert switched.json()["data"]["agent"]["provisioning_mode"] == "none"
    retry = f"/api/admin/customers/{binding.customer_id}/retry-provisioning"
    answer = client.post(retry, headers=admin)
    assert (answer.status_code, answer.json()["data"]["provision_status"]) == (200, "pending")
    run_passes(db, InboundWorker, count=2, settings=SETTINGS)
    assert binding_of(session).provision_status == "ready"
    assert runtime.texts() == ["hello"]
    again = client.post(retry, headers=admin)
    assert (again.status_code, again.json()["error"]) == (409, "binding_ready")
    unknown = client.post("/api/admin/customers/ck_nobody/retry-provisioning", headers=admin)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "binding_not_found")
    assert client.post(retry).status_code == 401


def test_a_provisioning_runtime_that_fails_for_a_while_is_retried(db, client, session, runtime):
    agent = default_agent(session, runtime.endpoint, provisioning_url=runtime.provisioning_url)
    runtime.provision_failures.append(FakeResponse(503, {"ok": False, "error": "warming_up"}))
    with provider("whatsapp_evolution") as (kind, _):
        channel = shared_channel(session, kind, agent=agent)
        post(client, kind.name, channel.id, *kind.request(kind.payload("retry-1")))
        run_passes(db, InboundWorker, settings=SETTINGS)
        assert binding_of(session).last_error == "warming_up (HTTP 503)"
        assert binding_of(session).provision_status == "pending"
        run_passes(db, InboundWorker, count=2, settings=SETTINGS)
    assert binding_of(session).provision_status == "ready"
    assert runtime.texts() == ["hello"]


def test_a_whatsapp_photo_keeps_its_content_type(db, client, session, runtime):
    agent = default_agent(session, runtime.endpoint)
    photo = {"caption": "what is this?", "mimetype": "image/jpeg", "fileLength": "48213"}
    payload = upsert_event(
        message={"imageMessage": photo, "mediaUrl": "https://media.example/3EB0.jpg"}
    )
    with provider("whatsapp_evolution") as (kind, _):
        channel = shared_channel(session, kind, agent=agent)
        post(client, kind.name, channel.id, *kind.request(payload))
        run_passes(db, InboundWorker, settings=SETTINGS)
    [message] = runtime.accepted
    assert message.attachments == [
        {
            "url": "https://media.example/3EB0.jpg",
            "contentType": "image/jpeg",
            "filename": "attachment",
            "safeDisplayUrl": "https://media.example/3EB0.jpg",
            "size": 48213,
        }
    ]
    assert message.input == "what is this?\n\nAttachment: https://media.example/3EB0.jpg"


def test_a_runtime_holding_20_s_gets_one_forward_and_its_reply_reaches_the_chat_once(
    db, client, session
):
    with fake_runtime(reply_timeout_seconds=25, hold_seconds=20) as runtime:
        agent = default_agent(session, runtime.endpoint)
        runtime.replies.append("Thought about it.")
        with provider("whatsapp_evolution") as (kind, evolution):
            channel = shared_channel(session, kind, agent=agent)
            post(client, kind.name, channel.id, *kind.request(kind.payload("slow-1")))
            started = time.monotonic()
            run_passes(db, InboundWorker, settings=SETTINGS)
            assert time.monotonic() - started >= 20
            forward_and_send(db)
            forward_and_send(db)
            assert evolution.texts() == ["Thought about it."]
        assert len(runtime.accepted) == 1
        assert runtime.redeliveries == [] and runtime.lost_replies == []
    assert [(event.status, event.attempts) for event in events(session)] == [("forwarded", 1)]


def push_late_reply(api_url: str, late: LateReply) -> None:
    """What Coke's late-reply path does: bind the reply's conversation key, then push it."""
    with httpx.Client(base_url=api_url, timeout=10) as http:
        bound = http.post(
            "/api/internal/coke-delivery", json=late.delivery_route_body(), headers=IDENTITY_AUTH
        )
        assert bound.status_code == 200, bound.text
        pushed = http.post("/api/outbound", json=late.outbound_body(), headers=OUTBOUND_AUTH)
        assert pushed.status_code == 200, pushed.text


def test_a_reply_later_than_the_agent_s_wait_is_never_forwarded_again_and_arrives_once(
    db, client, session, api_url
):
    pushed: list[LateReply] = []

    def push(late: LateReply) -> None:
        push_late_reply(api_url, late)
        pushed.append(late)

    with fake_runtime(reply_timeout_seconds=2) as runtime:
        runtime.late_reply_sink = push
        agent = default_agent(session, runtime.endpoint, forward_timeout_seconds=1)
        runtime.replies.append({"reply": "Sorry for the wait.", "delay_seconds": 3})
        with provider("whatsapp_evolution") as (kind, evolution):
            channel = shared_channel(session, kind, agent=agent)
            post(client, kind.name, channel.id, *kind.request(kind.payload("late-1")))
            run_passes(db, InboundWorker, settings=SETTINGS)
            [event] = events(session)
            assert (event.status, event.last_error) == (
                "forwarded",
                "runtime_timeout: no answer within 1 s",
            )
            wait_until(lambda: len(pushed) == 1, seconds=10, what="the late reply pushed")
            run_passes(db, InboundWorker, count=2, settings=SETTINGS)
            run_passes(db, Dispatcher, count=2, settings=SETTINGS)
            assert evolution.texts() == ["Sorry for the wait."]
        assert runtime.redeliveries == [] and runtime.sink_errors == []
        assert len(runtime.accepted) == 1


def test_a_retried_forward_carries_the_same_event_id_and_the_next_attempt(
    db, client, session, runtime
):
    agent = default_agent(session, runtime.endpoint)
    runtime.message_failures.append(FakeResponse(503, {"ok": False, "error": "busy"}))
    with provider("whatsapp_evolution") as (kind, _):
        channel = shared_channel(session, kind, agent=agent)
        post(client, kind.name, channel.id, *kind.request(kind.payload("again-1")))
        run_passes(db, InboundWorker, settings=SETTINGS)
        assert events(session)[0].last_error == "busy (HTTP 503)"
        run_passes(db, InboundWorker, settings=SETTINGS)
    requests = [
        request.json()["metadata"] for request in runtime.server.requests_to("/bridge/inbound")
    ]
    [event] = events(session)
    assert [(m["inboundEventId"], m["forwardAttempt"]) for m in requests] == [
        (event.id, 1),
        (event.id, 2),
    ]
    assert event.status == "forwarded"


def deliver_burst(api_url: str, kind: Kind, channel_id: str, number: str, count: int) -> None:
    """One sender's burst: a message every 30 ms, each delivered until the gateway takes it
    (a provider retries a 429, as Evolution does)."""
    url = f"{api_url}/api/webhooks/{kind.name}/{channel_id}/{TOKEN}"
    with httpx.Client(timeout=10) as http:
        for index in range(count):
            payload = upsert_event(f"{index}", number=number, message_id=f"{number}-{index}")
            body, headers = kind.request(payload)
            while (answer := http.post(url, content=body, headers=headers)).status_code == 429:
                time.sleep(0.05)
            assert answer.status_code == 200, answer.text
            time.sleep(0.03)


def all_forwarded(session, count: int) -> bool:
    stored = events(session)
    return len(stored) == count and {event.status for event in stored} == {"forwarded"}


def test_bursts_from_new_senders_while_they_are_provisioned_leave_nothing_parked(
    db, client, session, api_url
):
    senders, per_sender = [f"1555000{index:04d}" for index in range(5)], 40
    with fake_runtime() as runtime:
        runtime.provision_delay_seconds = 0.3
        agent = default_agent(session, runtime.endpoint, provisioning_url=runtime.provisioning_url)
        with provider("whatsapp_evolution") as (kind, _):
            channel = shared_channel(session, kind, agent=agent)
            bursts = [
                threading.Thread(
                    target=deliver_burst, args=(api_url, kind, channel.id, number, per_sender)
                )
                for number in senders
            ]
            with in_background(lambda: run_inbound_worker(db, SETTINGS)):
                for burst in bursts:
                    burst.start()
                for burst in bursts:
                    burst.join()
                wait_until(lambda: all_forwarded(session, len(senders) * per_sender), seconds=60)
    assert len(runtime.accepted) == len(senders) * per_sender
    assert len(runtime.provisioned) == len(senders)
    for number in senders:
        texts = [m.text for m in runtime.accepted if m.external_id == number]
        assert texts == [str(index) for index in range(per_sender)]
