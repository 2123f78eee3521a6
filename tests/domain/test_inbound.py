"""`route_inbound_message` for senders already known: a message takes the place the first one
made, unless something changed that the set-up must handle; redeliveries change nothing."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.domain.errors import Invalid
from clawscale.domain.inbound.intake import ACTIVITY_RESOLUTION, route_inbound_message
from clawscale.domain.inbound.placement import (
    CONVERSATION_KEY_SQL,
    confirm_parking,
    conversation_key,
    place_message,
)
from clawscale.models import (
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    DeliveryRoute,
    EndUser,
    ExternalIdentity,
    InboundEvent,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from tests.factories import default_agent, evolution_channel

SETTINGS = Settings(_env_file=None)
SENDER = "15550001111"
AGENT = "http://127.0.0.1:9/agent"
PROVISIONING = "http://127.0.0.1:9/provision"


@pytest.fixture
def channel(session):
    agent = default_agent(session, AGENT, provisioning_url=PROVISIONING)
    return evolution_channel(session, "http://127.0.0.1:9", agent=agent)


def receive(engine, channel_id, message_id, sender=SENDER, **fields):
    with session_scope(engine) as db:
        message = InboundMessage(message_id, sender_id=sender, sender_name="Ada", **fields)
        outcome = route_inbound_message(db, db.get(Channel, channel_id), message)
        return outcome.event_id, outcome.duplicate


def event(session, event_id):
    session.expire_all()
    return session.get(InboundEvent, event_id)


def only(session, model):
    session.expire_all()
    [row] = session.exec(select(model)).all()
    return row


def make_ready(session):
    binding = only(session, AgentBinding)
    binding.provision_status = "ready"
    session.add(binding)
    session.commit()


def test_a_known_sender_s_message_takes_the_place_of_the_first(db, session, channel):
    first_id, _ = receive(db, channel.id, "m1", text="one")
    make_ready(session)
    second_id, duplicate = receive(db, channel.id, "m2", text="two")
    first, second = event(session, first_id), event(session, second_id)
    assert duplicate is False
    assert (second.customer_id, second.end_user_id, second.conversation_id) == (
        first.customer_id,
        first.end_user_id,
        first.conversation_id,
    )
    assert (first.status, second.status) == ("parked", "received")
    assert second.payload == {
        "text": "two",
        "attachments": [],
        "sender_id": SENDER,
        "sender_name": "Ada",
        "provider_context": {},
    }
    assert session.exec(select(func.count()).select_from(Customer)).one() == 1


def test_a_redelivery_changes_nothing(db, session, channel):
    first_id, _ = receive(db, channel.id, "m1", text="one")
    identity = only(session, ExternalIdentity)
    identity.last_seen_at -= 2 * ACTIVITY_RESOLUTION
    session.add(identity)
    session.commit()
    seen = identity.last_seen_at
    again_id, duplicate = receive(db, channel.id, "m1", text="one")
    assert (again_id, duplicate) == (first_id, True)
    assert only(session, ExternalIdentity).last_seen_at == seen


def test_an_inactive_route_is_made_active_again(db, session, channel):
    receive(db, channel.id, "m1", text="one")
    route = only(session, DeliveryRoute)
    route.is_active = False
    session.add(route)
    session.commit()
    receive(db, channel.id, "m2", text="two")
    assert only(session, DeliveryRoute).is_active is True


def test_a_new_provider_context_is_kept_on_the_route(db, session, channel):
    receive(db, channel.id, "m1", text="one", provider_context={"context_token": "a"})
    receive(db, channel.id, "m2", text="two", provider_context={"context_token": "b"})
    assert only(session, DeliveryRoute).provider_context == {"context_token": "b"}
    receive(db, channel.id, "m3", text="three")
    assert only(session, DeliveryRoute).provider_context == {"context_token": "b"}


def test_a_blocked_end_user_s_messages_fail(db, session, channel):
    receive(db, channel.id, "m1", text="one")
    make_ready(session)
    end_user = only(session, EndUser)
    end_user.blocked = True
    session.add(end_user)
    session.commit()
    event_id, _ = receive(db, channel.id, "m2", text="two")
    blocked = event(session, event_id)
    assert (blocked.status, blocked.last_error) == ("failed", "end_user_blocked")


def test_a_customer_met_before_any_agent_gets_a_binding_once_there_is_one(db, session):
    channel = evolution_channel(session, "http://127.0.0.1:9")
    first_id, _ = receive(db, channel.id, "m1", text="one")
    assert (event(session, first_id).status, event(session, first_id).last_error) == (
        "parked",
        "no_agent_configured",
    )
    default_agent(session, AGENT, provisioning_url=PROVISIONING)
    second_id, _ = receive(db, channel.id, "m2", text="two")
    assert (event(session, second_id).status, event(session, second_id).last_error) == (
        "parked",
        None,
    )
    assert only(session, AgentBinding).provision_status == "pending"


def test_an_agent_without_provisioning_serves_a_first_contact_at_once(db, session):
    agent = default_agent(session, AGENT)
    channel = evolution_channel(session, "http://127.0.0.1:9", agent=agent)
    first_id, _ = receive(db, channel.id, "m1", text="one")
    assert (event(session, first_id).status, event(session, first_id).last_error) == (
        "received",
        None,
    )
    assert only(session, AgentBinding).provision_status == "ready"


def test_a_message_is_not_parked_behind_a_binding_made_ready_meanwhile(
    db, session, channel, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite transactions take turns: a binding cannot change under a webhook")
    receive(db, channel.id, "m1", text="one")
    with session_scope(db) as racing:
        message = InboundMessage("m2", sender_id=SENDER, sender_name="Ada", text="two")
        placement = place_message(racing, racing.get(Channel, channel.id), message)
        assert placement.status == "parked"
        make_ready(session)
        assert confirm_parking(racing, placement).status == "received"


def test_last_seen_times_are_written_at_most_once_per_resolution(db, session, channel):
    receive(db, channel.id, "m1", text="one")
    first_seen = only(session, ExternalIdentity).last_seen_at
    first_activity = session.get(Channel, channel.id).last_activity_at
    assert first_activity is not None
    receive(db, channel.id, "m2", text="two")
    assert only(session, ExternalIdentity).last_seen_at == first_seen
    assert session.get(Channel, channel.id).last_activity_at == first_activity
    identity = only(session, ExternalIdentity)
    identity.last_seen_at = first_seen - 2 * ACTIVITY_RESOLUTION
    stale = session.get(Channel, channel.id)
    stale.last_activity_at = first_activity - 2 * ACTIVITY_RESOLUTION
    session.add(identity)
    session.add(stale)
    session.commit()
    before = utcnow() - timedelta(seconds=1)
    receive(db, channel.id, "m3", text="three")
    assert only(session, ExternalIdentity).last_seen_at > before
    assert session.get(Channel, channel.id).last_activity_at > before


def test_an_unusable_sender_id_stores_nothing(db, session, channel):
    with pytest.raises(Invalid):
        receive(db, channel.id, "m1", sender="no digits", text="one")
    assert session.exec(select(func.count()).select_from(InboundEvent)).one() == 0
    assert session.exec(select(func.count()).select_from(Customer)).one() == 0


def test_a_personal_channel_s_known_peer_is_served_as_its_owner(db, session):
    default_agent(session, "http://127.0.0.1:9/agent")
    owner = Customer(display_name="Owner")
    session.add(owner)
    session.commit()
    channel = create_channel(
        session, SETTINGS, "wechat_personal", "personal", owner_customer_id=owner.id
    )
    session.commit()
    first_id, _ = receive(db, channel.id, "w1", sender="wxid_peer", text="one")
    make_ready(session)
    second_id, _ = receive(db, channel.id, "w2", sender="wxid_peer", text="two")
    first, second = event(session, first_id), event(session, second_id)
    assert first.customer_id == second.customer_id == owner.id
    assert (second.end_user_id, second.conversation_id, second.status) == (
        first.end_user_id,
        first.conversation_id,
        "received",
    )


@pytest.mark.parametrize("business_key", [None, "", "coke-conv-7"])
def test_the_sql_conversation_key_agrees_with_the_python_rule(db, session, channel, business_key):
    receive(db, channel.id, "m1", text="one")
    conversation = only(session, Conversation)
    conversation.business_conversation_key = business_key
    session.add(conversation)
    session.commit()
    in_sql = session.exec(
        select(CONVERSATION_KEY_SQL).where(Conversation.id == conversation.id)
    ).one()
    assert in_sql == conversation_key(conversation)
    assert in_sql == (business_key or conversation.id)
