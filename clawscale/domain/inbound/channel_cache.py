"""Shared channels as their webhooks see them, kept per process: the row and its decrypted
credentials, checked against the database in every transaction that uses them.

Loading a channel through the ORM and decrypting its config and secrets was a quarter of a
webhook's CPU. The columns that decide what the channel is (kind, scope, status, owners, the
sealed config and secrets) are still read in the transaction that stores a webhook's messages;
while they are what the cache holds, the cached channel and credentials are used, and the
moment any of them changes (a disconnect, a rotated token, a new agent) the channel is loaded
and decrypted again. A channel is checked once per transaction, as one transaction's reads are
one moment's (a change committed while a group commit runs reaches the next transaction, as it
would had those webhooks come a few milliseconds earlier). It is checked one of two ways:

- `channel`: with a narrow statement of its own, before it is used.
- `assumed`: not at once. The cached channel is used, and the transaction's first lookup of its
  senders (`inbound.intake`, whose statement reads the same columns: `CHANNEL_STATE`) confirms
  it (`confirm_channels`), a round trip fewer for every webhook group; `confirm_assumed` checks
  those no lookup confirmed. A channel found changed then is dropped from the cache and
  `ChannelChanged` raised, which rolls the transaction back, so nothing decided on the stale
  channel is stored: run again (`group_commit` does), it is loaded afresh.

A cached `Channel` is detached from every session: callers read it and never add it to one.
"""

import threading
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from clawscale.channels.base import ChannelCredentials
from clawscale.db import StaleRead, transaction_memo
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
CHANNEL_STATE = tuple(
    column.label(f"channel_{column.key}")
    for column in (_TABLE.c.id, *DEFINING_COLUMNS, _TABLE.c.last_activity_at)
)
"""What a channel is now, as columns of a statement that reads its row (labelled apart from the
statement's own): its id, the defining columns, and its last activity."""
CURRENT_STATE = sa.select(*CHANNEL_STATE).where(_TABLE.c.id == sa.bindparam("channel_id"))


class ChannelChanged(StaleRead):
    """A channel a transaction assumed as cached had changed: the transaction is rolled back
    and run again (the channel is no longer cached)."""


Entry = tuple[tuple[Any, ...], Channel, ChannelCredentials]
"""A cached channel: its defining values as loaded, the detached row, its credentials."""


CHECKED = "channel_cache.checked"
"""Where a session keeps the channels checked in its current transaction (`Session.info`)."""
ASSUMED = "channel_cache.assumed"
"""Where a session keeps the channels its current transaction assumed, not yet confirmed: the
cache and the entry, by channel id."""


def _defining_values(channel: Channel) -> tuple[Any, ...]:
    return tuple(getattr(channel, column.key) for column in DEFINING_COLUMNS)


def _state_values(row: Any) -> tuple[Any, ...]:
    """A `CHANNEL_STATE` row's defining values."""
    return tuple(getattr(row, f"channel_{column.key}") for column in DEFINING_COLUMNS)


def confirm_channels(db: Session, channel_ids: Iterable[str], rows: Iterable[Any]) -> None:
    """Confirm the channels `db`'s transaction assumed (`ChannelCache.assumed`) from a lookup of
    `channel_ids` whose rows carry `CHANNEL_STATE` (none for a channel that is gone): each one
    is checked for the rest of the transaction.

    Raises ChannelChanged when one of them changed or is gone."""
    assumed: dict[str, tuple[ChannelCache, Entry]] = transaction_memo(db, ASSUMED, dict)
    if not assumed:
        return
    states = {row.channel_id: row for row in rows}
    for channel_id in set(channel_ids):
        found = assumed.pop(channel_id, None)
        if found is not None:
            cache, entry = found
            cache.confirm(db, entry, states.get(channel_id))


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

    def _drop(self, channel_id: str, entry: Entry) -> None:
        with self._lock:
            if self._entries.get(channel_id) is entry:
                del self._entries[channel_id]

    @staticmethod
    def _matches(entry: Entry, row: Any) -> bool:
        """Whether the cached `entry` is the channel as `row` (`CHANNEL_STATE`) has it; its last
        activity is taken from the row then."""
        defining, channel, _ = entry
        if _state_values(row) != defining:
            return False
        if row.channel_last_activity_at != channel.last_activity_at:
            set_committed_value(channel, "last_activity_at", row.channel_last_activity_at)
        return True

    def confirm(self, db: Session, entry: Entry, row: Any | None) -> None:
        """Check the cached `entry` against `row` (`CHANNEL_STATE`; None: the row is gone), for
        the rest of `db`'s transaction; raises ChannelChanged (and forgets the entry) when they
        differ."""
        channel_id = entry[1].id
        if row is None or not self._matches(entry, row):
            self._drop(channel_id, entry)
            raise ChannelChanged(channel_id)
        transaction_memo(db, CHECKED).add(channel_id)

    def channel(
        self, db: Session, settings: Settings, channel_id: str
    ) -> tuple[Channel, ChannelCredentials] | None:
        """The channel as stored now (as this transaction first read it) with its credentials,
        or None when there is no such row. Raises ChannelChanged when the transaction assumed
        it as it was before a change."""
        self.confirm_assumed(db, channel_id)
        checked = transaction_memo(db, CHECKED)
        cached = self._cached(settings, channel_id)
        if cached is not None and channel_id in checked:
            return cached[1], cached[2]
        found = self._current(db, settings, channel_id, cached)
        if found is not None:
            checked.add(channel_id)
        return found

    def assumed(
        self, db: Session, settings: Settings, channel_id: str
    ) -> tuple[Channel, ChannelCredentials] | None:
        """The cached channel, to be confirmed later in this transaction (`confirm_channels`,
        `confirm_assumed`) rather than read now; `channel` when none is cached or it is
        checked already."""
        cached = self._cached(settings, channel_id)
        if cached is None or channel_id in transaction_memo(db, CHECKED):
            return self.channel(db, settings, channel_id)
        assumed: dict[str, tuple[ChannelCache, Entry]] = transaction_memo(db, ASSUMED, dict)
        known = assumed.get(channel_id)
        if known is not None and known[1] is not cached:
            return self.channel(db, settings, channel_id)
        assumed[channel_id] = (self, cached)
        return cached[1], cached[2]

    def is_assumed(self, db: Session, channel_id: str) -> bool:
        """Whether `db`'s transaction assumed the channel and has not confirmed it yet."""
        return channel_id in transaction_memo(db, ASSUMED, dict)

    def confirm_assumed(self, db: Session, channel_id: str) -> None:
        """Confirm the channel if this transaction assumed it and no lookup confirmed it yet:
        one statement then (raises ChannelChanged, also when the row is gone)."""
        found = transaction_memo(db, ASSUMED, dict).pop(channel_id, None)
        if found is None:
            return
        row = db.connection().execute(CURRENT_STATE, {"channel_id": channel_id}).first()
        self.confirm(db, found[1], row)

    def _current(
        self, db: Session, settings: Settings, channel_id: str, cached: Entry | None
    ) -> tuple[Channel, ChannelCredentials] | None:
        if cached is None:
            return self._load(db, settings, channel_id)
        row = db.connection().execute(CURRENT_STATE, {"channel_id": channel_id}).first()
        if row is None:
            return None
        if not self._matches(cached, row):
            return self._load(db, settings, channel_id)
        return cached[1], cached[2]
