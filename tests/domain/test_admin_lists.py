"""The console's lists sorted in SQL by an allow-listed key, the outbox's time range and
keyset paging in both directions, one customer's profile, and disconnecting a channel from
the console; on SQLite and PostgreSQL."""

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, col, select

from clawscale.domain.accounts.admins import create_admin, list_admins
from clawscale.domain.audit import record_admin_action
from clawscale.domain.channels.admin import (
    DISCONNECT_ACTION,
    can_disconnect,
    disconnect_personal_channel,
)
from clawscale.domain.channels.connections import change_shared_channel_alone
from clawscale.domain.channels.shared import list_shared_channels
from clawscale.domain.channels.store import create_channel
from clawscale.domain.console.audit_log import list_audit_entries
from clawscale.domain.console.directory import customer_profile, list_channels, list_customers
from clawscale.domain.errors import NotFound
from clawscale.domain.outbox.queries import (
    DeliveryFilter,
    decode_cursor,
    list_deliveries,
)
from clawscale.domain.runtime.agents import create_agent, list_agents
from clawscale.domain.sorting import Sort
from clawscale.models import (
    AuditLog,
    Channel,
    ChannelScope,
    ChannelStatus,
    Conversation,
    Customer,
    DeliveryStatus,
    EndUser,
    OutboundDelivery,
)
from clawscale.models.base import utcnow
from tests.domain.test_dashboard import seed_channel, seed_delivery
from tests.factories import SETTINGS

START = datetime(2026, 3, 1, 12, 0, tzinfo=utcnow().tzinfo)


def seed_customers(session: Session, names: list[str]) -> list[Customer]:
    customers = [
        Customer(display_name=name, created_at=START + timedelta(minutes=index))
        for index, name in enumerate(names)
    ]
    session.add_all(customers)
    session.commit()
    return customers


def names(rows) -> list[str]:
    return [row.display_name for row in rows]


def titles(rows) -> list[str]:
    return [row.name for row in rows]


def test_customers_sort_by_name_both_ways_and_page_in_that_order(session):
    seed_customers(session, ["bravo", "Alpha", "delta", "charlie"])
    ascending, total = list_customers(session, 3, 0, sort=Sort("name"))
    rest, _ = list_customers(session, 3, 3, sort=Sort("name"))
    assert total == 4
    assert names(ascending) + names(rest) == ["Alpha", "bravo", "charlie", "delta"]
    descending, _ = list_customers(session, 10, 0, sort=Sort("name", descending=True))
    assert names(descending) == ["delta", "charlie", "bravo", "Alpha"]


@pytest.mark.parametrize("key", ["nope", "display_name; DROP TABLE customer", ""])
def test_an_unknown_sort_key_keeps_the_default_order(session, key):
    seed_customers(session, ["first", "second", "third"])
    rows, _ = list_customers(session, 10, 0, sort=Sort(key, descending=False))
    assert names(rows) == ["third", "second", "first"]  # newest first, as without a sort
    assert session.exec(select(Customer)).all()


def test_channels_sort_by_kind_and_state_within_a_filter(session):
    (owner,) = seed_customers(session, ["owner"])
    for kind, status in [("telegram", "error"), ("linq", "connected"), ("gewe", "error")]:
        seed_channel(session, owner, kind=kind, status=status)
    by_kind, total = list_channels(session, 10, 0, sort=Sort("kind"))
    assert total == 3
    assert [channel.kind for channel in by_kind] == ["gewe", "linq", "telegram"]
    errors, total = list_channels(session, 10, 0, "error", sort=Sort("kind", descending=True))
    assert (total, [channel.kind for channel in errors]) == (2, ["telegram", "gewe"])
    by_state, _ = list_channels(session, 10, 0, sort=Sort("status"))
    assert [channel.status for channel in by_state] == ["connected", "error", "error"]


def test_admins_and_audit_entries_sort_by_their_columns(session):
    zed = create_admin(session, "zed@example.com", "pw-long-enough")
    amy = create_admin(session, "amy@example.com", "pw-long-enough")
    for action, admin in [("b.second", zed), ("a.first", amy), ("c.third", None)]:
        record_admin_action(session, admin.id if admin else None, action)
    session.commit()
    emails = [admin.email for admin in list_admins(session, 10, 0, Sort("email"))]
    assert emails == ["amy@example.com", "zed@example.com"]
    actions = [entry.action for entry in list_audit_entries(session, 10, 0, Sort("action"))]
    assert actions == ["a.first", "b.second", "c.third"]
    by_admin = list_audit_entries(session, 10, 0, Sort("admin", descending=True))
    assert [entry.admin_email for entry in by_admin] == ["zed@example.com", "amy@example.com", None]


def test_agents_and_shared_channels_sort_by_their_columns(session):
    for slug, endpoint in (("bravo", "https://a.test"), ("alpha", "https://c.test")):
        create_agent(session, SETTINGS, slug, slug.title(), endpoint, "")
    for name, kind in (("Zulu", "linq"), ("Yankee", "telegram"), ("Xray", "linq")):
        create_channel(session, SETTINGS, kind, ChannelScope.SHARED, name=name)
    session.commit()
    assert titles(list_agents(session, 10, 0)[0]) == ["Alpha", "Bravo"]
    by_endpoint = list_agents(session, 10, 0, Sort("endpoint", descending=True))[0]
    assert titles(by_endpoint) == ["Alpha", "Bravo"]
    assert titles(list_agents(session, 10, 0, Sort("name", descending=True))[0]) == [
        "Bravo",
        "Alpha",
    ]
    assert titles(list_shared_channels(session, 10, 0)[0]) == ["Xray", "Yankee", "Zulu"]
    assert titles(list_shared_channels(session, 10, 0, sort=Sort("name"))[0]) == [
        "Xray",
        "Yankee",
        "Zulu",
    ]
    by_kind = list_shared_channels(session, 10, 0, sort=Sort("kind", descending=True))[0]
    assert [channel.kind for channel in by_kind] == ["telegram", "linq", "linq"]
    unknown = list_shared_channels(session, 10, 0, sort=Sort("secrets_encrypted"))[0]
    assert titles(unknown) == ["Xray", "Yankee", "Zulu"]


def seed_outbox(session: Session) -> tuple[Channel, Channel, list[OutboundDelivery]]:
    (owner,) = seed_customers(session, ["owner"])
    first, second = seed_channel(session, owner), seed_channel(session, owner, kind="linq")
    now = utcnow()
    deliveries = [
        seed_delivery(
            session,
            first if index % 2 else second,
            f"key-{index}",
            DeliveryStatus.DEAD if index % 3 else DeliveryStatus.SUCCEEDED,
            now - timedelta(hours=index),
        )
        for index in range(12)
    ]
    return first, second, deliveries


def every_page(session: Session, selection: DeliveryFilter, sort: Sort | None) -> list[str]:
    seen, after = [], None
    while True:
        page = list_deliveries(session, selection, 5, after=after, sort=sort)
        seen += [delivery.idempotency_key for delivery in page.items]
        if page.next_cursor is None:
            return seen
        after = decode_cursor(page.next_cursor)


def test_deliveries_page_oldest_first_by_keyset_as_well_as_newest_first(session):
    seed_outbox(session)
    everything = DeliveryFilter(statuses=())
    newest = every_page(session, everything, None)
    assert newest == [f"key-{index}" for index in range(12)]
    assert every_page(session, everything, Sort("created", descending=True)) == newest
    assert every_page(session, everything, Sort("created")) == newest[::-1]
    assert every_page(session, everything, Sort("attempts")) == newest  # unknown: default


def test_the_total_is_exact_unless_capped_and_the_cap_says_more(session):
    seed_outbox(session)
    everything = DeliveryFilter(statuses=())
    assert list_deliveries(session, everything, 5).total == 12
    assert list_deliveries(session, everything, 5, count_up_to=20).total == 12
    capped = list_deliveries(session, everything, 5, count_up_to=10)
    assert capped.total == 11
    assert len(capped.items) == 5


def test_a_time_range_composes_with_status_channel_and_paging(session):
    first, _second, _ = seed_outbox(session)
    since = utcnow() - timedelta(hours=6, minutes=30)  # key-0 .. key-6
    recent = DeliveryFilter(statuses=(), since=since)
    assert every_page(session, recent, None) == [f"key-{index}" for index in range(7)]
    dead_on_first = DeliveryFilter((DeliveryStatus.DEAD,), channel_id=first.id, since=since)
    page = list_deliveries(session, dead_on_first, 10, sort=Sort("created"))
    assert [delivery.idempotency_key for delivery in page.items] == ["key-5", "key-1"]
    assert page.total == 2
    window = DeliveryFilter(
        statuses=(), since=since, until=utcnow() - timedelta(hours=3, minutes=30)
    )
    assert every_page(session, window, None) == ["key-4", "key-5", "key-6"]


def test_a_customer_profile_has_conversations_access_and_latest_deliveries(session):
    (owner,) = seed_customers(session, ["owner"])
    channel = seed_channel(session, owner, name="Support")
    end_user = EndUser(channel_id=channel.id, external_id="15550001", display_name="Bo")
    session.add(end_user)
    session.flush()
    session.add(
        Conversation(
            channel_id=channel.id,
            end_user_id=end_user.id,
            customer_id=owner.id,
            business_conversation_key="conv-9",
        )
    )
    for index in range(12):
        seed_delivery(
            session,
            channel,
            f"d-{index}",
            DeliveryStatus.SUCCEEDED,
            utcnow() - timedelta(minutes=index),
        )
    profile = customer_profile(session, owner.id)
    assert profile is not None
    (conversation,) = profile.conversations
    assert (conversation.channel_kind, conversation.channel_name) == ("telegram", "Support")
    assert (conversation.end_user, conversation.business_conversation_key) == ("Bo", "conv-9")
    assert [d.idempotency_key for d in profile.recent_deliveries] == [f"d-{i}" for i in range(10)]
    assert profile.access.expires_at >= profile.trial_ends_at
    assert customer_profile(session, "ck_missing") is None


def wechat_channel(session: Session, owner: Customer, status: ChannelStatus) -> Channel:
    channel = create_channel(
        session,
        SETTINGS,
        "wechat_personal",
        ChannelScope.PERSONAL,
        owner_customer_id=owner.id,
        status=status,
        secrets={"bot_token": "secret-token"},
    )
    session.commit()
    return channel


def audit_entries(session: Session) -> list[tuple[str, str]]:
    rows = session.exec(select(AuditLog.action, AuditLog.target_id).order_by(col(AuditLog.id)))
    return list(rows)


def test_an_admin_disconnects_a_personal_wechat_channel_audited(session):
    admin = create_admin(session, "ops@example.com", "pw-long-enough")
    (owner,) = seed_customers(session, ["owner"])
    channel = wechat_channel(session, owner, ChannelStatus.CONNECTED)
    assert can_disconnect(channel)
    disconnect_personal_channel(session, SETTINGS, admin.id, channel.id)
    session.commit()
    session.refresh(channel)
    assert channel.status == ChannelStatus.DISCONNECTED
    assert (DISCONNECT_ACTION, channel.id) in audit_entries(session)
    assert not can_disconnect(channel)


def test_only_live_wechat_or_shared_channels_are_disconnected_from_the_list(session):
    admin = create_admin(session, "ops@example.com", "pw-long-enough")
    (owner,) = seed_customers(session, ["owner"])
    telegram = seed_channel(session, owner, status=ChannelStatus.CONNECTED)
    assert not can_disconnect(telegram)
    with pytest.raises(NotFound):
        disconnect_personal_channel(session, SETTINGS, admin.id, telegram.id)
    session.rollback()
    assert session.exec(select(AuditLog).where(AuditLog.action == DISCONNECT_ACTION)).all() == []


def test_a_shared_channel_in_error_is_disconnected_without_a_provider_call(db, session):
    admin = create_admin(session, "ops@example.com", "pw-long-enough")
    channel = create_channel(
        session,
        SETTINGS,
        "telegram",
        ChannelScope.SHARED,
        name="Support bot",
        status=ChannelStatus.ERROR,
        secrets={"bot_token": "123:abc"},
    )
    session.commit()
    assert can_disconnect(channel)

    async def disconnect() -> None:
        refuse = httpx.MockTransport(lambda request: pytest.fail(f"called {request.url}"))
        async with httpx.AsyncClient(transport=refuse) as client:
            await change_shared_channel_alone(
                db, SETTINGS, client, channel.id, admin.id, ChannelStatus.DISCONNECTED
            )

    asyncio.run(disconnect())
    with Session(db) as fresh:
        assert fresh.get(Channel, channel.id).status == ChannelStatus.DISCONNECTED
        assert ("shared_channel.disconnect", channel.id) in audit_entries(fresh)
