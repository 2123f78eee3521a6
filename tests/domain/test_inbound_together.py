"""Messages routed together in one transaction (a group commit's webhooks, a WeChat poll's
batch): what is stored about all of them is read in one statement (`expect_messages`), their
events are stored in one statement (`stage_inbound_message`, `store_staged_messages`), and each
is stored as it would have been alone."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, func, select

from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.errors import Invalid
from clawscale.domain.inbound.intake import (
    LOOKUPS,
    expect_messages,
    known_senders_statement,
    message_lookup,
    stage_inbound_message,
    store_staged_messages,
)
from clawscale.models import (
    AgentBinding,
    Channel,
    Customer,
    DeliveryRoute,
    EndUser,
    InboundEvent,
)
from tests.engine_events import listening
from tests.factories import default_agent, evolution_channel

AGENT = "http://127.0.0.1:9/agent"


@pytest.fixture
def channel(session):
    return evolution_channel(session, "http://127.0.0.1:9", agent=default_agent(session, AGENT))


def message(message_id: str, sender: str, **fields: object) -> InboundMessage:
    return InboundMessage(
        message_id, sender_id=sender, sender_name="Ada", text=message_id, **fields
    )


def route_together(engine, channel_id: str, messages: list[InboundMessage]) -> list[object]:
    """Expect `messages`, stage each, then store them, in one transaction: each outcome, or
    the error it raised."""
    with session_scope(engine) as db:
        channel = db.get(Channel, channel_id)
        expect_messages(db, channel, messages)
        staged: list[object] = []
        for each in messages:
            try:
                staged.append(stage_inbound_message(db, channel, each))
            except Invalid as error:
                staged.append(error)
        store_staged_messages(db)
        return [item if isinstance(item, Invalid) else item.outcome() for item in staged]


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_messages_routed_together_are_read_and_stored_in_one_statement_each(db, session, channel):
    senders = [f"1555000{number:04d}" for number in range(4)]
    route_together(db, channel.id, [message(f"first-{sender}", sender) for sender in senders])
    statements: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own
            statements.append(statement)

    with listening(db, "before_cursor_execute", note):
        outcomes = route_together(
            db, channel.id, [message(f"second-{sender}", sender) for sender in senders]
        )

    # The channel's row, then one lookup and one INSERT, which NOTIFYs itself on PostgreSQL.
    assert len(statements) == 3
    assert "lookup" in statements[1]
    assert "INSERT INTO inbound_event" in statements[2]
    assert ("pg_notify" in statements[2]) == (db.dialect.name == "postgresql")
    assert [outcome.duplicate for outcome in outcomes] == [False] * 4
    session.expire_all()
    for sender, outcome in zip(senders, outcomes, strict=True):
        stored = session.get(InboundEvent, outcome.event_id)
        first = session.exec(
            select(InboundEvent).where(InboundEvent.provider_message_id == f"first-{sender}")
        ).one()
        assert stored.status == "received"
        assert (stored.customer_id, stored.end_user_id, stored.conversation_id) == (
            first.customer_id,
            first.end_user_id,
            first.conversation_id,
        )
    assert count(session, Customer) == 4


def test_new_senders_and_a_message_expected_twice_are_placed_and_stored_once(db, session, channel):
    outcomes = route_together(
        db,
        channel.id,
        [
            message("a1", "15550000001"),
            message("a2", "15550000001"),
            message("a1", "15550000001"),
            message("b1", "15550000002"),
        ],
    )

    assert [outcome.duplicate for outcome in outcomes] == [False, False, True, False]
    assert outcomes[2].event_id == outcomes[0].event_id
    assert (count(session, Customer), count(session, EndUser)) == (2, 2)
    assert count(session, AgentBinding) == 2
    assert count(session, InboundEvent) == 3
    first, second = (session.get(InboundEvent, outcomes[n].event_id) for n in (0, 1))
    assert (second.customer_id, second.conversation_id) == (
        first.customer_id,
        first.conversation_id,
    )


def test_a_sender_s_next_message_sees_what_the_one_before_changed(db, session, channel):
    sender = "15550000001"
    route_together(db, channel.id, [message("m1", sender, provider_context={"token": "a"})])
    route_together(
        db,
        channel.id,
        [
            message("m2", sender, provider_context={"token": "b"}),
            message("m3", sender, provider_context={"token": "a"}),
        ],
    )
    session.expire_all()
    [route] = session.exec(select(DeliveryRoute)).all()
    assert route.provider_context == {"token": "a"}


def test_an_unusable_sender_among_them_is_refused_alone(db, session, channel):
    outcomes = route_together(
        db,
        channel.id,
        [message("m1", "15550000001"), message("m2", "no digits"), message("m3", "15550000003")],
    )

    assert isinstance(outcomes[1], Invalid)
    assert [outcomes[0].duplicate, outcomes[2].duplicate] == [False, False]
    assert count(session, InboundEvent) == 2
    assert session.exec(select(sa.func.count()).select_from(EndUser)).one() == 2


def test_the_lookup_reads_each_sender_s_rows_by_their_keys(db, channel, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("the plan read is PostgreSQL's")
    senders = [f"1555{number:07d}" for number in range(300)]
    for first in range(0, len(senders), 50):
        batch = senders[first : first + 50]
        route_together(db, channel.id, [message(f"m-{sender}", sender) for sender in batch])
    with db.connect() as connection:
        connection.execute(sa.text("COMMIT"))
        connection.execute(sa.text("ANALYZE"))
    lookups = [
        {"position": position, **message_lookup(channel, message("x", sender))._asdict()}
        for position, sender in enumerate(senders[:8])
    ]
    statement = known_senders_statement("postgresql").compile(dialect=postgresql.dialect())
    with db.connect() as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN {statement}", {**statement.params, **LOOKUPS.params(lookups, db.dialect)}
        )
        plan = "\n".join(row[0] for row in rows)
    for index in (
        "inbound_event_channel_id_provider_message_id_key",
        "external_identity_provider_identity_type_identity_value_key",
        "end_user_channel_id_external_id_key",
        "agent_binding_customer_id_key",
    ):
        assert index in plan, plan
    for table in ("inbound_event", "external_identity", "end_user", "conversation"):
        assert f"Seq Scan on {table}" not in plan, plan
