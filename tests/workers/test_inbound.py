"""The inbound path end to end: store, provision, park, release in order, forward, reply."""

import asyncio
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, func, select

from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.billing.access import TRIAL_LENGTH, grant_pass
from clawscale.domain.billing.links import customer_for_checkout_token
from clawscale.domain.channels.store import create_channel
from clawscale.domain.inbound.holds import release_held_events
from clawscale.domain.inbound.intake import route_inbound_message
from clawscale.domain.queue.signals import INBOUND
from clawscale.domain.runtime.bridge import clawscale_user_id
from clawscale.domain.runtime.forwarding import (
    DUE_WITH_CONTEXT,
    LEASE_MARGIN,
    claim_forward_calls,
)
from clawscale.models import (
    Agent,
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    DeliveryRoute,
    EndUser,
    ExternalIdentity,
    Identity,
    InboundEvent,
    Membership,
    OutboundDelivery,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.workers.dispatcher import Dispatcher
from clawscale.workers.inbound import InboundWorker
from clawscale.workers.loop import run_inbound_worker
from clawscale.workers.wakeup import Wakeup, relay_notifications
from tests.databases import claim_plan
from tests.factories import default_agent, evolution_channel
from tests.fakes.evolution import fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.fakes.runtime import INBOUND_PATH, fake_runtime
from tests.passes import in_background
from tests.processes import wait_until

SETTINGS = Settings(_env_file=None)


@pytest.fixture
def runtime():
    with fake_runtime() as fake:
        yield fake


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


@pytest.fixture
def channel(session, runtime, evolution):
    agent = default_agent(session, runtime.endpoint, provisioning_url=runtime.provisioning_url)
    return evolution_channel(session, evolution.url, agent=agent)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)


def receive(engine, channel_id, message_id, text, sender="+1 (555) 000-1111", name="Ada"):
    with session_scope(engine) as db:
        channel = db.get(Channel, channel_id)
        message = InboundMessage(message_id, sender_id=sender, sender_name=name, text=text)
        outcome = route_inbound_message(db, channel, message)
        return outcome.event_id, outcome.duplicate


def passes(engine, worker_class, count=1):
    async def run():
        async with httpx.AsyncClient(timeout=10) as client:
            worker = worker_class(engine, SETTINGS)
            return [await worker.run_once(client) for _ in range(count)]

    return asyncio.run(run())


def count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def statuses(session):
    session.expire_all()
    events = session.exec(select(InboundEvent).order_by(InboundEvent.created_at)).all()
    return [event.status for event in events]


def test_first_contact_provisions_a_customer_and_parks_the_message(db, session, channel):
    _, duplicate = receive(db, channel.id, "m1", "hello")
    assert duplicate is False
    assert count(session, Customer) == 1
    [identity] = session.exec(select(Identity)).all()
    assert identity.claim_status == "unclaimed"
    assert identity.email is None
    assert count(session, Membership) == 1
    [external] = session.exec(select(ExternalIdentity)).all()
    assert (external.provider, external.identity_type, external.identity_value) == (
        "whatsapp_evolution",
        "wa_id",
        "15550001111",
    )
    [binding] = session.exec(select(AgentBinding)).all()
    assert binding.provision_status == "pending"
    [end_user] = session.exec(select(EndUser)).all()
    [conversation] = session.exec(select(Conversation)).all()
    route = session.get(DeliveryRoute, (binding.customer_id, conversation.id))
    assert route.is_active and route.external_end_user_id == end_user.external_id
    assert statuses(session) == ["parked"]


def test_a_redelivered_message_is_stored_once(db, session, channel):
    first, _ = receive(db, channel.id, "m1", "hello")
    again, duplicate = receive(db, channel.id, "m1", "hello")
    assert duplicate is True
    assert again == first
    assert count(session, InboundEvent) == 1


def test_provisioning_releases_parked_messages_in_order_and_forwards_them_once(
    db, session, channel, runtime
):
    runtime.provision_failures.extend([FakeResponse(503), FakeResponse(500)])
    for index in range(3):
        receive(db, channel.id, f"m{index}", f"message {index}")
    passes(db, InboundWorker, count=6)
    [binding] = session.exec(select(AgentBinding)).all()
    assert binding.provision_status == "ready"
    assert runtime.provisioned == [{"customer_id": binding.customer_id, "display_name": "Ada"}]
    assert runtime.texts() == ["message 0", "message 1", "message 2"]
    assert statuses(session) == ["forwarded"] * 3
    assert passes(db, InboundWorker) == [0]


def test_the_forwarded_request_follows_the_contract(db, session, channel, runtime):
    event_id, _ = receive(db, channel.id, "m1", "hello")
    passes(db, InboundWorker, count=2)
    [request] = runtime.server.requests_to(INBOUND_PATH)
    assert request.headers["authorization"] == "Bearer agent-token"
    body = request.json()
    assert body["messages"] == [{"role": "user", "content": "hello"}]
    metadata = body["metadata"]
    [conversation] = session.exec(select(Conversation)).all()
    [end_user] = session.exec(select(EndUser)).all()
    customer = session.get(Customer, conversation.customer_id)
    renewal = metadata.pop("renewalUrl")
    expires = metadata.pop("subscriptionExpiresAt")
    assert metadata == {
        "tenantId": "coke",
        "channelId": channel.id,
        "endUserId": end_user.id,
        "conversationId": conversation.id,
        "gatewayConversationId": conversation.id,
        "inboundEventId": event_id,
        "forwardAttempt": 1,
        "externalId": "+1 (555) 000-1111",
        "businessConversationKey": conversation.id,
        "customerId": customer.id,
        "customer_id": customer.id,
        "cokeAccountId": customer.id,
        "coke_account_id": customer.id,
        "cokeAccountDisplayName": "Ada",
        "clawscaleUserId": clawscale_user_id("coke", customer.id),
        "channelScope": "tenant_shared",
        "accountStatus": "normal",
        "emailVerified": False,
        "subscriptionActive": True,
        "accountAccessAllowed": True,
        "accountAccessDeniedReason": None,
        "sender": "Ada",
        "platform": "whatsapp_evolution",
    }
    assert expires == (customer.created_at + TRIAL_LENGTH).isoformat().replace("+00:00", "Z")
    token = parse_qs(urlsplit(renewal).query)["token"][0]
    assert customer_for_checkout_token(session, SETTINGS, token).id == customer.id
    [accepted] = runtime.accepted
    assert (accepted.coke_account_id, accepted.channel_scope, accepted.inbound_event_id) == (
        customer.id,
        "tenant_shared",
        event_id,
    )


def test_an_immediate_reply_goes_back_through_the_channel_once(
    db, session, channel, runtime, evolution
):
    runtime.replies.append({"reply": "Hi Ada!", "business_conversation_key": "coke-conv-1"})
    receive(db, channel.id, "m1", "hello")
    passes(db, InboundWorker, count=2)
    passes(db, Dispatcher)
    assert evolution.sent == [("sendText", {"number": "+1 (555) 000-1111", "text": "Hi Ada!"})]
    [binding] = session.exec(select(AgentBinding)).all()
    assert session.get(DeliveryRoute, (binding.customer_id, "coke-conv-1")).is_active
    passes(db, InboundWorker, count=2)
    passes(db, Dispatcher)
    assert len(evolution.sent) == 1


def test_a_runtime_that_is_down_gets_the_message_once_it_recovers(db, session, channel, runtime):
    runtime.message_failures.extend([FakeResponse(502), FakeResponse(503)])
    receive(db, channel.id, "m1", "hello")
    passes(db, InboundWorker)
    assert statuses(session) == ["received"]
    passes(db, InboundWorker, count=3)
    assert runtime.texts() == ["hello"]
    assert statuses(session) == ["forwarded"]
    [event] = session.exec(select(InboundEvent)).all()
    assert event.attempts == 3


def test_forwarding_gives_up_visibly(db, session, channel, runtime, monkeypatch):
    monkeypatch.setattr("clawscale.domain.runtime.outcomes.MAX_FORWARD_ATTEMPTS", 2)
    runtime.message_failures.extend([FakeResponse(500)] * 3)
    receive(db, channel.id, "m1", "hello")
    passes(db, InboundWorker, count=3)
    [event] = session.exec(select(InboundEvent)).all()
    assert event.status == "failed"
    assert "500" in event.last_error


def test_provisioning_gives_up_as_error_and_keeps_messages_parked(
    db, session, channel, runtime, monkeypatch
):
    monkeypatch.setattr("clawscale.domain.runtime.provisioning.MAX_PROVISION_ATTEMPTS", 2)
    runtime.provision_failures.extend([FakeResponse(500)] * 3)
    receive(db, channel.id, "m1", "hello")
    passes(db, InboundWorker, count=3)
    [binding] = session.exec(select(AgentBinding)).all()
    assert binding.provision_status == "error"
    assert statuses(session) == ["parked"]
    assert runtime.messages == []


def test_without_any_agent_messages_wait_parked(db, session, evolution):
    channel = evolution_channel(session, evolution.url)
    receive(db, channel.id, "m1", "hello")
    [event] = session.exec(select(InboundEvent)).all()
    assert event.status == "parked"
    assert event.last_error == "no_agent_configured"


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level concurrency is exercised on PostgreSQL")


def all_at_once(count, work):
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index):
        barrier.wait()
        try:
            work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_fifty_first_messages_at_once_make_one_customer(postgres_only, db, session, channel):
    all_at_once(50, lambda index: receive(db, channel.id, f"m{index}", f"hello {index}"))
    assert count(session, Customer) == 1
    assert count(session, Identity) == 1
    assert count(session, AgentBinding) == 1
    assert count(session, EndUser) == 1
    assert count(session, Conversation) == 1
    assert count(session, InboundEvent) == 50


def test_one_message_delivered_ten_times_at_once_reaches_the_runtime_once(
    postgres_only, db, session, channel, runtime
):
    all_at_once(10, lambda index: receive(db, channel.id, "same", "hello"))
    assert count(session, InboundEvent) == 1
    passes(db, InboundWorker, count=3)
    assert runtime.texts() == ["hello"]


def personal_channel(db, session, email_verified=True):
    owner = Customer(display_name="Owner")
    identity = Identity(
        email="owner@example.com",
        claim_status="active" if email_verified else "pending",
        email_verified_at=utcnow() if email_verified else None,
    )
    session.add(owner)
    session.add(identity)
    session.commit()
    session.add(Membership(identity_id=identity.id, customer_id=owner.id))
    session.commit()
    with Session(db) as writer:
        channel = create_channel(
            writer,
            SETTINGS,
            "wechat_personal",
            "personal",
            owner_customer_id=owner.id,
            status="connected",
        )
        writer.commit()
        return owner, channel.id


def test_personal_channels_serve_their_owner(db, session, runtime):
    default_agent(session, runtime.endpoint)
    owner, channel_id = personal_channel(db, session)
    receive(db, channel_id, "w1", "ni hao", sender="wxid_peer", name="Peer")
    passes(db, InboundWorker, count=2)
    assert count(session, Customer) == 1
    assert runtime.messages[0]["metadata"]["customerId"] == owner.id
    [peer] = session.exec(select(ExternalIdentity)).all()
    assert (peer.provider, peer.identity_type, peer.identity_value) == (
        "wechat_personal",
        "external_id",
        "wxid_peer",
    )
    assert peer.customer_id == owner.id


def test_an_unverified_owner_s_messages_are_held_not_forwarded(db, session, runtime):
    default_agent(session, runtime.endpoint)
    _, channel_id = personal_channel(db, session, email_verified=False)
    receive(db, channel_id, "w1", "ni hao", sender="wxid_peer")
    passes(db, InboundWorker, count=2)
    [event] = session.exec(select(InboundEvent)).all()
    assert (event.status, event.last_error) == ("parked", "access:email_not_verified")
    assert runtime.messages == []
    assert count(session, OutboundDelivery) == 0


def test_lapsed_access_holds_messages_tells_the_person_once_a_day_and_releases_on_payment(
    db, session, channel, runtime, evolution, monkeypatch
):
    paid = Settings(_env_file=None, STRIPE_SECRET_KEY="sk_test", STRIPE_PRICE_ID="price_1")
    monkeypatch.setattr("tests.workers.test_inbound.SETTINGS", paid)
    receive(db, channel.id, "m1", "first")
    with session_scope(db) as writer:
        customer = writer.exec(select(Customer)).one()
        customer.created_at = utcnow() - timedelta(days=31)
    receive(db, channel.id, "m2", "second")
    passes(db, InboundWorker, count=4)
    assert runtime.texts() == []
    assert statuses(session) == ["parked", "parked"]
    [reply] = session.exec(select(OutboundDelivery)).all()
    assert "/api/public/subscription-checkout?token=" in reply.payload["text"]
    passes(db, Dispatcher)
    assert len(evolution.sent) == 1
    with session_scope(db) as writer:
        grant_pass(writer, customer.id, "cs_test_1")
        assert release_held_events(writer, customer.id) == 2
    passes(db, InboundWorker, count=3)
    assert runtime.texts() == ["first", "second"]
    assert statuses(session) == ["forwarded", "forwarded"]


def ready_bindings(db):
    with session_scope(db) as writer:
        for binding in writer.exec(select(AgentBinding)).all():
            binding.provision_status = "ready"
            writer.add(binding)
        for event in writer.exec(select(InboundEvent)).all():
            event.status = "received"
            writer.add(event)


def test_a_backlog_goes_out_oldest_first_and_one_at_a_time_per_customer(
    db, session, channel, runtime
):
    senders = ["15550000001", "15550000002", "15550000003"]
    for index in range(4):
        for sender in senders:
            receive(db, channel.id, f"{sender}-{index}", f"{sender} {index}", sender=sender)
    ready_bindings(db)

    async def forwarded_per_pass():
        async with httpx.AsyncClient(timeout=10) as client:
            worker = InboundWorker(db, SETTINGS, batch_size=2)
            counts = []
            while await worker.run_once(client):
                counts.append(len(runtime.messages) - sum(counts))
            return counts

    assert asyncio.run(forwarded_per_pass()) == [2] * 6
    assert set(runtime.texts()[:2]) == {f"{senders[0]} 0", f"{senders[1]} 0"}
    for sender in senders:
        mine = [text for text in runtime.texts() if text.startswith(sender)]
        assert mine == [f"{sender} {index}" for index in range(4)]
    assert statuses(session) == ["forwarded"] * 12


def test_the_claim_walks_waiting_events_oldest_first_without_sorting(postgres_only, db, channel):
    for index in range(300):
        receive(db, channel.id, f"m{index}", "hello", sender=f"1555{index % 30:07d}")
    ready_bindings(db)
    plan = claim_plan(db, DUE_WITH_CONTEXT, avoiding=("sort", "seqscan"))
    assert "ix_inbound_event_waiting_created" in plan
    assert "Sort" not in plan


def test_a_claim_holds_its_events_past_their_agent_s_reply_wait(db, session, channel):
    agent = session.get(Agent, channel.owner_agent_id)
    agent.forward_timeout_seconds = 300
    session.add(agent)
    session.commit()
    event_id, _ = receive(db, channel.id, "m1", "hello", sender="15550000001")
    ready_bindings(db)
    claimed_at = utcnow()
    with session_scope(db) as claiming:
        [claimed] = claim_forward_calls(claiming, SETTINGS, "worker-a", 5, timedelta(seconds=60))
    session.expire_all()
    event = session.get(InboundEvent, event_id)
    assert claimed.event_id == event_id
    assert claimed.call.timeout_seconds == 300
    assert claimed.call.body["metadata"]["forwardAttempt"] == event.attempts == 1
    assert event.lease_owner == "worker-a"
    assert event.lease_expires_at >= claimed_at + timedelta(seconds=300) + LEASE_MARGIN


def test_a_reply_that_cannot_be_queued_leaves_only_its_own_event_to_retry(
    db, session, channel, runtime, evolution
):
    agent = session.get(Agent, channel.owner_agent_id)
    other_channel = evolution_channel(session, evolution.url, agent=agent)
    stuck, _ = receive(db, other_channel.id, "a1", "from a", sender="15550000001")
    receive(db, channel.id, "b1", "from b", sender="15550000002")
    ready_bindings(db)
    runtime.replies.extend([{"reply": "hello"}, {"reply": "hello"}])

    def archive_the_stuck_events_channel(body):
        if body["metadata"]["inboundEventId"] == stuck:
            with session_scope(db) as writer:
                writer.get(Channel, other_channel.id).status = "archived"

    runtime.on_message = archive_the_stuck_events_channel
    passes(db, InboundWorker)
    session.expire_all()
    events = {event.id: event for event in session.exec(select(InboundEvent))}
    left = events.pop(stuck)
    assert (left.status, left.lease_owner is not None) == ("received", True)
    [other] = events.values()
    assert (other.status, other.lease_owner) == ("forwarded", None)
    [reply] = session.exec(select(OutboundDelivery)).all()
    assert reply.payload["causal_inbound_event_id"] == other.id


def test_a_running_inbound_worker_provisions_and_forwards_as_soon_as_work_commits(
    db, session, channel, runtime, monkeypatch
):
    monkeypatch.setattr("clawscale.workers.slots.IDLE_SECONDS", 600)
    with in_background(lambda: run_inbound_worker(db, SETTINGS)):
        time.sleep(1)  # the worker has found nothing due and sleeps
        receive(db, channel.id, "m1", "first")
        wait_until(lambda: runtime.texts() == ["first"], 20, "the first message forwarded")
        time.sleep(1)
        receive(db, channel.id, "m2", "second")
        wait_until(lambda: runtime.texts() == ["first", "second"], 20, "the second forwarded")
    assert len(runtime.provisioned) == 1


def test_an_event_committed_elsewhere_notifies_inbound_listeners(postgres_only, db, channel):
    async def listen() -> list[bool]:
        wakeup = Wakeup()
        relay = asyncio.create_task(relay_notifications(db, INBOUND.channel, wakeup))
        listening = await wakeup.wait(10)
        quiet = await wakeup.wait(0.3)
        await asyncio.to_thread(receive, db, channel.id, "m1", "new sender")
        woken_by_binding = await wakeup.wait(10)
        await asyncio.to_thread(ready_bindings, db)
        await asyncio.to_thread(receive, db, channel.id, "m2", "ready sender")
        woken_by_event = await wakeup.wait(10)
        relay.cancel()
        return [listening, quiet, woken_by_binding, woken_by_event]

    assert asyncio.run(listen()) == [True, False, True, True]


def test_an_agent_slow_to_answer_one_customer_holds_up_nobody_else(db, session, channel, runtime):
    slow, quick = "15550000001", "15550000002"
    answer_the_slow_one = threading.Event()

    def hold_the_slow_answer(body):
        if body["messages"][0]["content"] == "slow":
            answer_the_slow_one.wait(30)

    receive(db, channel.id, "s0", "hello", sender=slow)
    receive(db, channel.id, "q0", "hello", sender=quick)
    ready_bindings(db)
    runtime.on_message = hold_the_slow_answer
    try:
        with in_background(lambda: run_inbound_worker(db, SETTINGS)):
            wait_until(lambda: runtime.texts() == ["hello", "hello"], 20, "the first messages")
            receive(db, channel.id, "s1", "slow", sender=slow)
            wait_until(lambda: "slow" in runtime.texts(), 20, "the slow customer's message")
            receive(db, channel.id, "q1", "quick", sender=quick)
            wait_until(lambda: "quick" in runtime.texts(), 5, "the other customer's message")
    finally:
        answer_the_slow_one.set()


def test_a_parked_event_behind_a_ready_binding_is_released_by_the_worker(
    db, session, channel, runtime
):
    receive(db, channel.id, "m1", "stranded")
    [binding] = session.exec(select(AgentBinding)).all()
    binding.provision_status = "ready"
    session.add(binding)
    session.commit()
    assert statuses(session) == ["parked"]
    passes(db, InboundWorker)
    assert statuses(session) == ["forwarded"]
    assert runtime.texts() == ["stranded"]
