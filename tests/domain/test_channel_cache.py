"""The webhooks' channel cache: one read of the channel per transaction (none of its own when
the lookup of its senders confirms it), a change seen by the next transaction."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.domain.inbound.channel_cache import ChannelCache, ChannelChanged
from clawscale.domain.inbound.intake import route_inbound_message
from clawscale.models import Channel, ChannelScope, ChannelStatus, InboundEvent
from clawscale.settings import Settings
from tests.engine_events import listening

SETTINGS = Settings(_env_file=None)


@contextmanager
def channel_reads(engine: sa.Engine) -> Iterator[list[str]]:
    """The statements run on `engine` that read the channel table, as they run."""
    reads: list[str] = []

    def seen(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM channel" in statement:
            reads.append(statement)

    with listening(engine, "before_cursor_execute", seen):
        yield reads


def evolution_channel(engine: sa.Engine) -> str:
    with session_scope(engine) as db:
        channel = create_channel(
            db,
            SETTINGS,
            "whatsapp_evolution",
            ChannelScope.SHARED,
            name="Shared Evolution",
            status=ChannelStatus.CONNECTED,
            config={"base_url": "http://127.0.0.1:9", "instance": "main"},
            secrets={"webhook_token": "token", "api_key": "key"},
        )
        return channel.id


def disconnect(engine: sa.Engine, channel_id: str) -> None:
    with Session(engine) as admin:
        row = admin.get(Channel, channel_id)
        assert row is not None
        row.status = ChannelStatus.DISCONNECTED
        admin.add(row)
        admin.commit()


def test_a_transaction_reads_its_channel_once_and_the_next_one_sees_a_change(db):
    channel_id = evolution_channel(db)
    cache = ChannelCache()
    with session_scope(db) as first:
        found = cache.channel(first, SETTINGS, channel_id)
    assert found is not None and found[1].secrets["api_key"] == "key"
    with channel_reads(db) as reads, session_scope(db) as group:
        for _ in range(5):
            found = cache.channel(group, SETTINGS, channel_id)
            assert found is not None and found[0].status == ChannelStatus.CONNECTED
    assert len(reads) == 1
    disconnect(db, channel_id)
    with session_scope(db) as later:
        found = cache.channel(later, SETTINGS, channel_id)
    assert found is not None and found[0].status == ChannelStatus.DISCONNECTED


def test_a_missing_channel_is_asked_for_each_time(db):
    cache = ChannelCache()
    with channel_reads(db) as reads, session_scope(db) as group:
        assert cache.channel(group, SETTINGS, "ch_missing") is None
        assert cache.channel(group, SETTINGS, "ch_missing") is None
    assert len(reads) == 2


def warm(engine: sa.Engine, cache: ChannelCache, channel_id: str) -> None:
    """The channel cached, and a first message of SENDER routed (its rows made)."""
    with session_scope(engine) as db:
        found = cache.channel(db, SETTINGS, channel_id)
        assert found is not None
        route_inbound_message(db, found[0], InboundMessage("m-1", SENDER, text="hi"))


SENDER = "15550001111"


def test_an_assumed_channel_is_confirmed_by_the_lookup_of_its_senders(db):
    channel_id = evolution_channel(db)
    cache = ChannelCache()
    warm(db, cache, channel_id)
    with channel_reads(db) as reads, session_scope(db) as group:
        found = cache.assumed(group, SETTINGS, channel_id)
        assert found is not None
        assert cache.is_assumed(group, channel_id)
        outcome = route_inbound_message(group, found[0], InboundMessage("m-2", SENDER))
        assert not outcome.duplicate
        assert not cache.is_assumed(group, channel_id)
        cache.confirm_assumed(group, channel_id)
        assert cache.channel(group, SETTINGS, channel_id) is not None
    assert reads == []


def test_a_channel_changed_under_its_assumption_rolls_the_transaction_back(db):
    channel_id = evolution_channel(db)
    cache = ChannelCache()
    warm(db, cache, channel_id)
    disconnect(db, channel_id)
    with pytest.raises(ChannelChanged), session_scope(db) as group:
        found = cache.assumed(group, SETTINGS, channel_id)
        assert found is not None and found[0].status == ChannelStatus.CONNECTED
        route_inbound_message(group, found[0], InboundMessage("m-2", SENDER))
    with Session(db) as check:
        stored = check.exec(select(InboundEvent.provider_message_id)).all()
    assert stored == ["m-1"]
    with channel_reads(db) as reads, session_scope(db) as again:
        found = cache.assumed(again, SETTINGS, channel_id)
    assert found is not None and found[0].status == ChannelStatus.DISCONNECTED
    assert len(reads) == 1


def test_an_assumed_channel_no_lookup_confirmed_is_read_before_the_commit(db):
    channel_id = evolution_channel(db)
    cache = ChannelCache()
    warm(db, cache, channel_id)
    with channel_reads(db) as reads, session_scope(db) as quiet:
        assert cache.assumed(quiet, SETTINGS, channel_id) is not None
        cache.confirm_assumed(quiet, channel_id)
        cache.confirm_assumed(quiet, channel_id)
    assert len(reads) == 1
    disconnect(db, channel_id)
    with pytest.raises(ChannelChanged), session_scope(db) as stale:
        assert cache.assumed(stale, SETTINGS, channel_id) is not None
        cache.channel(stale, SETTINGS, channel_id)


def test_a_channel_gone_under_its_assumption_is_a_change(db):
    channel_id = evolution_channel(db)
    cache = ChannelCache()
    with session_scope(db) as first:
        assert cache.channel(first, SETTINGS, channel_id) is not None
    with Session(db) as admin:
        admin.exec(sa.delete(Channel).where(Channel.id == channel_id))
        admin.commit()
    with pytest.raises(ChannelChanged), session_scope(db) as group:
        found = cache.assumed(group, SETTINGS, channel_id)
        assert found is not None
        route_inbound_message(group, found[0], InboundMessage("m-1", SENDER))
    with session_scope(db) as later:
        assert cache.assumed(later, SETTINGS, channel_id) is None
