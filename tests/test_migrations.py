"""Migrations build the whole data model, agree with the models, and enforce its unique keys."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from clawscale.migrations import pending_model_changes, upgrade_database
from clawscale.models import (
    Agent,
    Channel,
    ChannelScope,
    ChannelStatus,
    Customer,
    ExternalIdentity,
    InboundEvent,
    OutboundDelivery,
)


def test_every_model_table_exists(db):
    tables = set(sa.inspect(db).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(database_url, db):
    assert pending_model_changes(database_url) == []


def test_upgrade_is_idempotent(database_url, db):
    upgrade_database(database_url)
    assert pending_model_changes(database_url) == []


def _add_and_commit(session: Session, *rows: SQLModel) -> None:
    for row in rows:
        session.add(row)
        session.commit()


def test_one_live_personal_channel_per_customer_and_kind(session):
    customer = Customer(display_name="Ada")
    _add_and_commit(session, customer)
    first = Channel(kind="wechat_personal", owner_customer_id=customer.id)
    _add_and_commit(session, first)
    with pytest.raises(sa.exc.IntegrityError):
        _add_and_commit(session, Channel(kind="wechat_personal", owner_customer_id=customer.id))
    session.rollback()


def test_archived_personal_channels_do_not_block_a_new_one(session):
    customer = Customer(display_name="Ada")
    _add_and_commit(session, customer)
    archived = Channel(
        kind="wechat_personal", owner_customer_id=customer.id, status=ChannelStatus.ARCHIVED
    )
    _add_and_commit(session, archived)
    _add_and_commit(session, Channel(kind="wechat_personal", owner_customer_id=customer.id))
    shared = [
        Channel(kind="linq", scope=ChannelScope.SHARED, owner_customer_id=None) for _ in range(2)
    ]
    _add_and_commit(session, *shared)


def test_at_most_one_default_agent(session):
    _add_and_commit(session, Agent(slug="a", name="A", endpoint="http://a", is_default=True))
    _add_and_commit(session, Agent(slug="b", name="B", endpoint="http://b", is_default=False))
    with pytest.raises(sa.exc.IntegrityError):
        _add_and_commit(session, Agent(slug="c", name="C", endpoint="http://c", is_default=True))
    session.rollback()


def test_external_identity_is_unique(session):
    customer = Customer()
    _add_and_commit(session, customer)
    key = {"provider": "linq", "identity_type": "phone_number", "identity_value": "+15550001"}
    _add_and_commit(session, ExternalIdentity(customer_id=customer.id, **key))
    with pytest.raises(sa.exc.IntegrityError):
        _add_and_commit(session, ExternalIdentity(customer_id=customer.id, **key))
    session.rollback()


def test_inbound_events_are_deduplicated_per_channel(session):
    channel = Channel(kind="linq", scope=ChannelScope.SHARED)
    other = Channel(kind="linq", scope=ChannelScope.SHARED)
    _add_and_commit(session, channel, other)
    _add_and_commit(session, InboundEvent(channel_id=channel.id, provider_message_id="m1"))
    _add_and_commit(session, InboundEvent(channel_id=other.id, provider_message_id="m1"))
    with pytest.raises(sa.exc.IntegrityError):
        _add_and_commit(session, InboundEvent(channel_id=channel.id, provider_message_id="m1"))
    session.rollback()


def test_outbound_idempotency_key_is_unique(session):
    customer = Customer()
    channel = Channel(kind="linq", scope=ChannelScope.SHARED)
    _add_and_commit(session, customer, channel)
    delivery = {
        "payload_hash": "h",
        "customer_id": customer.id,
        "business_conversation_key": "k",
        "channel_id": channel.id,
        "target": "+1555",
    }
    _add_and_commit(session, OutboundDelivery(idempotency_key="key-1", **delivery))
    with pytest.raises(sa.exc.IntegrityError):
        _add_and_commit(session, OutboundDelivery(idempotency_key="key-1", **delivery))
    session.rollback()


def test_timestamps_read_back_as_aware_utc(session):
    customer = Customer()
    _add_and_commit(session, customer)
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert stored is not None
    assert stored.created_at.utcoffset() is not None
    assert stored.created_at == customer.created_at
