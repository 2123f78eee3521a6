"""Replies accepted in one group-commit transaction (`DeliveryAcceptance`): the new ones go in
with one statement, and each reply gets the answer it would have had alone."""

import asyncio

import pytest
from sqlmodel import select

from clawscale.domain.errors import Conflict, NotFound
from clawscale.domain.outbox.accept import Acceptance, DeliveryAcceptance
from clawscale.group_commit import GroupCommit
from clawscale.models import OutboundDelivery
from tests.engine_events import listening
from tests.factories import evolution_channel, routed_conversation


@pytest.fixture
def conversations(session):
    channel = evolution_channel(session, "http://127.0.0.1:9")
    return [
        routed_conversation(
            session, channel, external_id=f"1555000{number:04d}", key=f"conv-{number}"
        )
        for number in range(4)
    ]


def reply(routed, key: str, text: str = "hello") -> DeliveryAcceptance:
    payload = {"output_id": key, "customer_id": routed.customer.id, "text": text}
    return DeliveryAcceptance(key, routed.customer.id, routed.key, payload)


def accept_together(engine, works: list[DeliveryAcceptance]) -> list[object]:
    group_commit = GroupCommit(engine)

    async def run() -> list[object]:
        return await asyncio.gather(*(group_commit(work) for work in works), return_exceptions=True)

    return asyncio.run(run())


def stored(session) -> dict[str, OutboundDelivery]:
    session.expire_all()
    return {row.idempotency_key: row for row in session.exec(select(OutboundDelivery)).all()}


def test_new_replies_of_a_group_go_in_with_one_statement(db, session, conversations):
    inserts: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if "INSERT INTO outbound_delivery" in statement:
            inserts.append(statement)

    works = [reply(routed, f"key-{number}") for number, routed in enumerate(conversations)]
    with listening(db, "before_cursor_execute", note):
        results = accept_together(db, works)

    assert len(inserts) == 1
    rows = stored(session)
    assert all(isinstance(result, Acceptance) and not result.reclaimed for result in results)
    for number, (routed, result) in enumerate(zip(conversations, results, strict=True)):
        row = rows[f"key-{number}"]
        assert row.id == result.delivery_id
        assert (row.customer_id, row.business_conversation_key, row.channel_id, row.target) == (
            routed.customer.id,
            routed.key,
            routed.channel.id,
            routed.end_user.external_id,
        )
        assert (row.status, row.attempts, row.payload["output_id"]) == (
            "pending",
            0,
            f"key-{number}",
        )
        assert row.next_attempt_at == row.created_at


def test_each_reply_of_a_group_gets_its_own_answer(db, session, conversations):
    first, second, third, _ = conversations
    assert isinstance(accept_together(db, [reply(first, "taken")])[0], Acceptance)
    missing = DeliveryAcceptance(
        "nowhere", first.customer.id, "no-such-conversation", {"output_id": "x", "text": "hi"}
    )

    results = accept_together(
        db,
        [
            reply(second, "new-1"),
            reply(first, "taken"),
            missing,
            reply(third, "twice"),
            reply(third, "twice"),
            reply(third, "taken", text="another payload"),
        ],
    )

    assert isinstance(results[0], Acceptance)
    assert isinstance(results[1], Conflict) and results[1].code == "duplicate_request_in_progress"
    assert isinstance(results[2], NotFound) and results[2].code == "missing_delivery_route"
    assert isinstance(results[3], Acceptance)
    assert isinstance(results[4], Conflict) and results[4].code == "duplicate_request_in_progress"
    assert isinstance(results[5], Conflict) and results[5].code == "idempotency_key_conflict"
    rows = stored(session)
    assert sorted(rows) == ["new-1", "taken", "twice"]
    assert rows["twice"].id == results[3].delivery_id
