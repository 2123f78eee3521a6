"""The dispatcher: sends due deliveries once, in order, across processes and crashes, woken by
the commits that make them due."""

import asyncio
import signal
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select, update

from clawscale.db import session_scope
from clawscale.domain.outbox.accept import accept_delivery
from clawscale.domain.outbox.dispatch import (
    DUE_HEADS,
    SENT,
    SendOutcome,
    claim_due_jobs,
    mark_sent_statements,
    record_outcomes,
)
from clawscale.domain.queue.signals import OUTBOX
from clawscale.models import DeliveryAttempt, DeliveryStatus, OutboundDelivery
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.workers.loop import run_dispatcher
from clawscale.workers.wakeup import Wakeup, relay_notifications
from tests.databases import claim_plan
from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.passes import in_background, send_due
from tests.processes import wait_until, worker_process

SETTINGS = Settings(_env_file=None)


def queue(session, routed, key, text):
    payload = {
        "customer_id": routed.customer.id,
        "business_conversation_key": routed.key,
        "message_type": "text",
        "text": text,
    }
    delivery_id = accept_delivery(session, key, routed.customer.id, routed.key, payload).delivery_id
    session.commit()
    return session.get(OutboundDelivery, delivery_id)


def statuses(session):
    session.expire_all()
    return {d.idempotency_key: d.status for d in session.exec(select(OutboundDelivery)).all()}


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


def test_a_due_delivery_is_sent_once_and_conversations_keep_their_order(db, session, evolution):
    channel = evolution_channel(session, evolution.url)
    ada = routed_conversation(session, channel, external_id="1001", key="ada")
    bob = routed_conversation(session, channel, external_id="2002", key="bob")
    for index in range(3):
        queue(session, ada, f"ada-{index}", f"ada {index}")
    queue(session, bob, "bob-0", "bob 0")
    passes = 0
    while any(status != "succeeded" for status in statuses(session).values()):
        send_due(db)
        passes += 1
        assert passes < 10
    assert passes == 3
    assert [text for text in evolution.texts() if text.startswith("ada")] == [
        "ada 0",
        "ada 1",
        "ada 2",
    ]
    assert sorted(evolution.texts()) == ["ada 0", "ada 1", "ada 2", "bob 0"]
    assert send_due(db) == 0


def test_transient_failures_back_off_then_give_up_as_dead(db, session, evolution, monkeypatch):
    monkeypatch.setattr("clawscale.domain.outbox.dispatch.MAX_ATTEMPTS", 3)
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    queue(session, routed, "k", "hello")
    evolution.fail_next(*(FakeResponse(503) for _ in range(3)))
    for _ in range(3):
        send_due(db)
    assert statuses(session) == {"k": "dead"}
    assert evolution.sent == []


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one PostgreSQL database")


def many_conversations(session, evolution, count):
    channel = evolution_channel(session, evolution.url)
    keys = []
    for index in range(count):
        routed = routed_conversation(session, channel, external_id=f"{index}", key=f"c{index}")
        for step in range(2):
            keys.append(
                queue(session, routed, f"c{index}-{step}", f"c{index}-{step}").idempotency_key
            )
    return keys


def test_two_dispatcher_processes_send_every_delivery_exactly_once(
    postgres_only, database_url, db, session, evolution
):
    keys = many_conversations(session, evolution, 20)
    workers = [worker_process(database_url) for _ in range(2)]
    try:
        wait_until(lambda: set(statuses(session).values()) == {"succeeded"})
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
    assert sorted(evolution.texts()) == sorted(keys)
    for index in range(20):
        mine = [text for text in evolution.texts() if text.startswith(f"c{index}-")]
        assert mine == [f"c{index}-0", f"c{index}-1"]


def test_a_dispatcher_killed_mid_batch_loses_nothing(
    postgres_only, database_url, db, session, evolution
):
    keys = many_conversations(session, evolution, 10)
    evolution.delay_seconds = 1.0
    victim = worker_process(database_url, DELIVERY_LEASE_SECONDS="2")
    wait_until(lambda: len(evolution.server.requests) >= 3, seconds=30)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    time.sleep(0.5)  # a request the victim wrote just before it died reaches the fake's handler
    in_flight_at_kill = {request.json()["text"] for request in evolution.server.requests}
    evolution.delay_seconds = 0.0
    survivor = worker_process(database_url, DELIVERY_LEASE_SECONDS="2")
    try:
        wait_until(lambda: set(statuses(session).values()) == {"succeeded"})
    finally:
        survivor.terminate()
        survivor.wait(10)
    sent = evolution.texts()
    assert set(sent) == set(keys)
    for key in set(keys) - in_flight_at_kill:
        assert sent.count(key) == 1


def test_a_running_dispatcher_sends_as_soon_as_a_delivery_commits(
    db, session, evolution, monkeypatch
):
    monkeypatch.setattr("clawscale.workers.slots.IDLE_SECONDS", 600)
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    with in_background(lambda: run_dispatcher(db, Settings(_env_file=None))):
        for key, text in (("k1", "first"), ("k2", "second")):
            time.sleep(1)  # the dispatcher has found nothing due and sleeps
            queue(session, routed, key, text)
            wait_until(lambda k=key: statuses(session)[k] == "succeeded", 20, f"{text} sent")
    assert evolution.texts() == ["first", "second"]


def test_a_commit_in_another_process_wakes_a_listener(postgres_only, db, session, evolution):
    routed = routed_conversation(session, evolution_channel(session, evolution.url))

    async def listen() -> list[bool]:
        wakeup = Wakeup()
        relay = asyncio.create_task(relay_notifications(db, OUTBOX.channel, wakeup))
        listening = await wakeup.wait(10)
        quiet = await wakeup.wait(0.3)
        await asyncio.to_thread(queue, session, routed, "k", "hello")
        woken = await wakeup.wait(10)
        relay.cancel()
        return [listening, quiet, woken]

    assert asyncio.run(listen()) == [True, False, True]


def test_the_claim_walks_unfinished_deliveries_oldest_first_without_sorting(
    postgres_only, db, session, evolution
):
    routed = routed_conversation(session, evolution_channel(session, evolution.url))
    for index in range(300):
        queue(session, routed, f"k{index}", "hello")
    plan = claim_plan(db, DUE_HEADS)
    assert "ix_outbound_delivery_unfinished_created" in plan
    assert "Sort" not in plan


def test_after_statistics_of_a_drained_queue_the_claim_looks_each_conversation_up(
    postgres_only, db, session, evolution
):
    channel = evolution_channel(session, evolution.url)
    conversations = [
        routed_conversation(session, channel, external_id=f"{index}", key=f"c{index}")
        for index in range(20)
    ]

    def burst(prefix: str) -> None:
        for routed in conversations:
            for index in range(50):
                key = f"{prefix}-{routed.key}-{index}"
                payload = {"message_type": "text", "text": key}
                accept_delivery(session, key, routed.customer.id, routed.key, payload)
        session.commit()

    burst("delivered")
    session.exec(update(OutboundDelivery).values(status=DeliveryStatus.SUCCEEDED))
    session.commit()
    with db.connect() as connection:
        connection.exec_driver_sql("ANALYZE outbound_delivery")
        connection.commit()
    burst("queued")
    plan = claim_plan(db, DUE_HEADS)
    head_check = plan.split("SubPlan", 1)[1]
    assert "ix_outbound_delivery_open_conversation" in head_check
    assert "Index Cond: ((customer_id = " in head_check


def test_outcomes_count_only_for_the_worker_that_still_holds_the_lease(db, session, evolution):
    channel = evolution_channel(session, evolution.url)
    first = queue(session, routed_conversation(session, channel, "3003", "cy"), "cy-0", "c")
    second = queue(session, routed_conversation(session, channel, "4004", "di"), "di-0", "d")
    with session_scope(db) as claiming:
        claimed = claim_due_jobs(claiming, SETTINGS, "worker-a", 10, timedelta(minutes=5))
    assert {item.delivery_id for item in claimed} == {first.id, second.id}
    with session_scope(db) as stealing:
        stolen = stealing.get(OutboundDelivery, second.id)
        stolen.lease_owner = "worker-b"
    sent = [SendOutcome(first.id, "wamid-1"), SendOutcome(second.id, "wamid-2")]
    with session_scope(db) as recording:
        assert record_outcomes(recording, sent, "worker-a") == [DeliveryStatus.SUCCEEDED, None]
    session.expire_all()
    done, held = session.get(OutboundDelivery, first.id), session.get(OutboundDelivery, second.id)
    assert (done.status, done.provider_message_id, done.lease_owner) == (
        DeliveryStatus.SUCCEEDED,
        "wamid-1",
        None,
    )
    assert (held.status, held.provider_message_id, held.lease_owner) == (
        DeliveryStatus.SENDING,
        None,
        "worker-b",
    )


def test_a_sent_delivery_gets_its_attempt_row_numbered_after_the_failed_ones(
    db, session, evolution
):
    channel = evolution_channel(session, evolution.url)
    retried = queue(session, routed_conversation(session, channel, "5005", "ev"), "ev-0", "e")
    quiet = queue(session, routed_conversation(session, channel, "6006", "fi"), "fi-0", "f")
    stolen = queue(session, routed_conversation(session, channel, "7007", "gu"), "gu-0", "g")
    lease = timedelta(minutes=5)
    with session_scope(db) as claiming:
        claim_due_jobs(claiming, SETTINGS, "worker-a", 10, lease)
    with session_scope(db) as failing:
        failed = [SendOutcome(retried.id, error="timed out", transient=True)]
        assert record_outcomes(failing, failed, "worker-a") == [DeliveryStatus.FAILED]
    with session_scope(db) as due_again:
        due_again.exec(update(OutboundDelivery).values(next_attempt_at=None))
    with session_scope(db) as claiming:
        claimed = claim_due_jobs(claiming, SETTINGS, "worker-a", 10, lease)
    assert [item.delivery_id for item in claimed] == [retried.id]
    with session_scope(db) as stealing:
        stealing.get(OutboundDelivery, stolen.id).lease_owner = "worker-b"
    sent = [SendOutcome(retried.id, "wamid-9"), SendOutcome(quiet.id), SendOutcome(stolen.id, "x")]
    with session_scope(db) as recording:
        assert record_outcomes(recording, sent, "worker-a") == [
            DeliveryStatus.SUCCEEDED,
            DeliveryStatus.SUCCEEDED,
            None,
        ]
    rows = session.exec(
        select(DeliveryAttempt).order_by(
            DeliveryAttempt.delivery_id, DeliveryAttempt.attempt_number
        )
    ).all()
    by_delivery = {}
    for row in rows:
        by_delivery.setdefault(row.delivery_id, []).append(
            (row.attempt_number, row.succeeded, row.provider_message_id, row.error)
        )
    assert by_delivery == {
        retried.id: [(1, False, None, "timed out"), (2, True, "wamid-9", None)],
        quiet.id: [(1, True, None, None)],
    }
    session.expire_all()
    assert session.get(OutboundDelivery, quiet.id).provider_message_id is None


def test_marking_reads_the_sent_deliveries_by_key_whatever_the_statistics(
    postgres_only, db, session, evolution
):
    """Statistics taken while no delivery was held (nearly every row's lease owner empty),
    then a batch of 16 sent: the marking must not scan the table for the worker's rows."""
    routed = routed_conversation(session, evolution_channel(session, evolution.url), "8008", "ho")
    session.commit()
    with db.connect() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO outbound_delivery (id, idempotency_key, payload, payload_hash,"
                " customer_id, business_conversation_key, channel_id, target,"
                " provider_context, status, attempts, created_at, updated_at)"
                " SELECT 'od_plan' || n, 'plan-' || n, '{}', '', :customer, 'ho', :channel,"
                " '8008', '{}', 'succeeded', 1, now(), now() FROM generate_series(1, 3000) n"
            ),
            {"customer": routed.customer.id, "channel": routed.channel.id},
        )
        connection.exec_driver_sql("ANALYZE outbound_delivery")
        held = [f"od_plan{n}" for n in range(1, 17)]
        connection.execute(
            update(OutboundDelivery)
            .where(OutboundDelivery.id.in_(held))
            .values(status=DeliveryStatus.SENDING, lease_owner="worker-a")
        )
        _, marking = mark_sent_statements("postgresql")
        sent = [
            {"delivery_id": i, "attempt_id": f"da_{i}", "provider_message_id": None} for i in held
        ]
        params = {"worker_id": "worker-a", "now": utcnow(), "ids": held}
        compiled = marking.compile(dialect=connection.dialect)
        explained = connection.exec_driver_sql(
            f"EXPLAIN {compiled}",
            compiled.construct_params({**params, **SENT.params(sent, connection.dialect)}),
        )
        plan = "\n".join(row[0] for row in explained)
        connection.rollback()
    assert "Seq Scan on outbound_delivery" not in plan
    assert "outbound_delivery_pkey" in plan
