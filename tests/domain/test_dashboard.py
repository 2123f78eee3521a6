"""The overview's figures and the console's name look-ups, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta

from sqlmodel import Session

from clawscale.domain.console.dashboard import (
    HOURS,
    CustomerLinks,
    agent_names,
    channel_kinds,
    channel_labels,
    customer_links,
    customer_names,
    overview,
)
from clawscale.models import (
    Agent,
    Channel,
    ChannelScope,
    ChannelStatus,
    Customer,
    DeliveryStatus,
    ExternalIdentity,
    InboundEvent,
    InboundStatus,
    OutboundDelivery,
)
from clawscale.models.base import utcnow


def seed_channel(session: Session, customer: Customer, **fields: object) -> Channel:
    values: dict[str, object] = {"kind": "telegram", "owner_customer_id": customer.id, **fields}
    channel = Channel(**values)
    session.add(channel)
    session.commit()
    return channel


def seed_delivery(
    session: Session, channel: Channel, key: str, status: DeliveryStatus, created_at: datetime
) -> OutboundDelivery:
    delivery = OutboundDelivery(
        idempotency_key=key,
        payload={"text": key},
        payload_hash="h",
        customer_id=channel.owner_customer_id,
        business_conversation_key="conv",
        channel_id=channel.id,
        target="someone",
        status=status,
        created_at=created_at,
    )
    session.add(delivery)
    session.commit()
    return delivery


def test_an_empty_gateway_has_zero_everywhere(session: Session) -> None:
    figures = overview(session)

    assert figures.customers == 0
    assert figures.channels == 0
    assert figures.shared_channels == 0
    assert figures.last_hour == {} and figures.last_day == {}
    assert figures.queue_depth == 0 and figures.parked_inbound == 0
    assert len(figures.hours) == HOURS
    assert all(hour.total == 0 for hour in figures.hours)


def test_figures_count_by_state_and_by_hour(session: Session) -> None:
    now = utcnow()
    ada, bob = Customer(display_name="Ada"), Customer(display_name="Bob")
    session.add_all([ada, bob])
    session.commit()
    telegram = seed_channel(session, ada, status=ChannelStatus.CONNECTED, name="Ada's bot")
    seed_channel(session, bob, status=ChannelStatus.ERROR)
    seed_channel(session, bob, kind="whatsapp", scope=ChannelScope.SHARED, owner_customer_id=None)
    seed_delivery(session, telegram, "now", DeliveryStatus.DEAD, now - timedelta(minutes=5))
    seed_delivery(session, telegram, "ok", DeliveryStatus.SUCCEEDED, now - timedelta(minutes=30))
    seed_delivery(session, telegram, "earlier", DeliveryStatus.PENDING, now - timedelta(hours=3))
    seed_delivery(session, telegram, "old", DeliveryStatus.FAILED, now - timedelta(hours=30))
    session.add(
        InboundEvent(
            channel_id=telegram.id,
            provider_message_id="m1",
            customer_id=ada.id,
            payload={},
            status=InboundStatus.PARKED,
        )
    )
    session.commit()

    figures = overview(session, now)

    assert figures.customers == 2
    assert figures.channels_by_status == {"connected": 1, "error": 1, "pending": 1}
    assert figures.shared_channels == 1
    assert figures.last_hour == {"dead": 1, "succeeded": 1}
    assert figures.last_day == {"dead": 1, "succeeded": 1, "pending": 1}
    assert figures.queue_depth == 2  # the pending one and the old failed one
    assert figures.parked_inbound == 1
    assert [hour.total for hour in figures.hours[-3:]] == [1, 0, 2]
    assert figures.hours[-1].start == now - timedelta(hours=1)


def test_names_are_looked_up_by_id(session: Session) -> None:
    ada = Customer(display_name="Ada")
    session.add(ada)
    session.commit()
    named = seed_channel(session, ada, name="Support line")
    unnamed = seed_channel(session, ada, kind="whatsapp")

    assert customer_names(session, [ada.id, ada.id]) == {ada.id: "Ada"}
    assert channel_labels(session, [named.id, unnamed.id]) == {
        named.id: "Support line",
        unnamed.id: "whatsapp",
    }
    assert customer_names(session, []) == {} and channel_labels(session, []) == {}


def test_a_customer_links_its_identities_and_channels(session: Session) -> None:
    ada, bob = Customer(display_name="Ada"), Customer(display_name="Bob")
    session.add_all([ada, bob])
    session.commit()
    channel = seed_channel(session, ada, name="Ada's bot")
    seed_channel(session, bob)
    session.add(
        ExternalIdentity(
            provider="telegram", identity_type="user_id", identity_value="42", customer_id=ada.id
        )
    )
    session.commit()

    links = customer_links(session, ada.id)

    assert [identity.identity_value for identity in links.identities] == ["42"]
    assert [found.id for found in links.channels] == [channel.id]
    assert customer_links(session, "ck_missing") == CustomerLinks([], [])


def test_channel_kinds_and_agent_names(session: Session) -> None:
    ada = Customer(display_name="Ada")
    agent = Agent(slug="helper", name="Helper", endpoint="http://127.0.0.1:9/agent")
    session.add_all([ada, agent])
    session.commit()
    seed_channel(session, ada)
    seed_channel(session, ada, kind="whatsapp")
    seed_channel(session, ada, kind="whatsapp", scope=ChannelScope.SHARED, owner_customer_id=None)

    assert channel_kinds(session) == ["telegram", "whatsapp"]
    assert agent_names(session, [agent.id]) == {agent.id: "Helper"}
    assert agent_names(session, []) == {}
