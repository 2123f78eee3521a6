"""The webhooks' channel cache: one read of the channel per transaction, a change seen by the
next transaction."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import Session

from clawscale.db import session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.domain.inbound.channel_cache import ChannelCache
from clawscale.models import Channel, ChannelScope, ChannelStatus
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
    with Session(db) as admin:
        row = admin.get(Channel, channel_id)
        assert row is not None
        row.status = ChannelStatus.DISCONNECTED
        admin.add(row)
        admin.commit()
    with session_scope(db) as later:
        found = cache.channel(later, SETTINGS, channel_id)
    assert found is not None and found[0].status == ChannelStatus.DISCONNECTED


def test_a_missing_channel_is_asked_for_each_time(db):
    cache = ChannelCache()
    with channel_reads(db) as reads, session_scope(db) as group:
        assert cache.channel(group, SETTINGS, "ch_missing") is None
        assert cache.channel(group, SETTINGS, "ch_missing") is None
    assert len(reads) == 2
