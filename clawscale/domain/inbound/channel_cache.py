"""Shared channels as their webhooks see them, kept per process: the row and its decrypted
credentials, checked against the database on every use.

Loading a channel through the ORM and decrypting its config and secrets was a quarter of a
webhook's CPU. Each webhook still reads the columns that decide what the channel is (kind,
scope, status, owners, the sealed config and secrets) with one narrow statement in the
transaction that stores its messages; while they are what the cache holds, the cached channel
and credentials are used, and the moment any of them changes (a disconnect, a rotated token, a
new agent) the channel is loaded and decrypted again. The webhooks that the group commit runs
in one transaction check their channel once: a channel is read once per transaction, as one
transaction's reads are one moment's (a change committed while the group runs reaches the
next transaction, as it would had those webhooks come a few milliseconds earlier). A cached
`Channel` is detached from every session: callers read it and never add it to one.
"""

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from clawscale.channels.base import ChannelCredentials
from clawscale.db import transaction_memo
from clawscale.domain.channels.store import channel_credentials
from clawscale.models import Channel
from clawscale.settings import Settings

MAX_CHANNELS = 4096
"""Channels kept per process; past it the cache starts again empty (a shared channel count in
the thousands is far past any deployment's)."""

_TABLE = Channel.__table__
DEFINING_COLUMNS = (
    _TABLE.c.kind,
    _TABLE.c.scope,
    _TABLE.c.status,
    _TABLE.c.owner_customer_id,
    _TABLE.c.owner_agent_id,
    _TABLE.c.config_encrypted,
    _TABLE.c.secrets_encrypted,
)
CURRENT_STATE = sa.select(*DEFINING_COLUMNS, _TABLE.c.last_activity_at).where(
    _TABLE.c.id == sa.bindparam("channel_id")
)


Entry = tuple[tuple[Any, ...], Channel, ChannelCredentials]
"""A cached channel: its defining values as loaded, the detached row, its credentials."""


CHECKED = "channel_cache.checked"
"""Where a session keeps the channels checked in its current transaction (`Session.info`)."""


def _defining_values(channel: Channel) -> tuple[Any, ...]:
    return tuple(getattr(channel, column.key) for column in DEFINING_COLUMNS)


class ChannelCache:
    """Channels and their credentials by id, for one Settings (its key opens the secrets)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._entries: dict[str, Entry] = {}

    def _cached(self, settings: Settings, channel_id: str) -> Entry | None:
        with self._lock:
            if self._settings is not settings:
                self._settings = settings
                self._entries = {}
            return self._entries.get(channel_id)

    def _load(
        self, db: Session, settings: Settings, channel_id: str
    ) -> tuple[Channel, ChannelCredentials] | None:
        channel = db.get(Channel, channel_id)
        if channel is None:
            return None
        db.expunge(channel)
        credentials = channel_credentials(settings, channel)
        with self._lock:
            if len(self._entries) >= MAX_CHANNELS:
                self._entries = {}
            self._entries[channel_id] = (_defining_values(channel), channel, credentials)
        return channel, credentials

    def channel(
        self, db: Session, settings: Settings, channel_id: str
    ) -> tuple[Channel, ChannelCredentials] | None:
        """The channel as stored now (as this transaction first read it) with its credentials,
        or None when there is no such row."""
        checked = transaction_memo(db, CHECKED)
        cached = self._cached(settings, channel_id)
        if cached is not None and channel_id in checked:
            return cached[1], cached[2]
        found = self._current(db, settings, channel_id, cached)
        if found is not None:
            checked.add(channel_id)
        return found

    def _current(
        self, db: Session, settings: Settings, channel_id: str, cached: Entry | None
    ) -> tuple[Channel, ChannelCredentials] | None:
        if cached is None:
            return self._load(db, settings, channel_id)
        row = db.connection().execute(CURRENT_STATE, {"channel_id": channel_id}).first()
        if row is None:
            return None
        defining, channel, credentials = cached
        if tuple(row)[: len(DEFINING_COLUMNS)] != defining:
            return self._load(db, settings, channel_id)
        if row.last_activity_at != channel.last_activity_at:
            set_committed_value(channel, "last_activity_at", row.last_activity_at)
        return channel, credentials
