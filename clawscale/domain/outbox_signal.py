"""Telling dispatchers that outbox rows became due, once the transaction that made them commits.

Across processes this is PostgreSQL's NOTIFY on `OUTBOX_CHANNEL` (delivered on commit, dropped
on rollback); within a process, callbacks registered with `on_outbox_due` run after the commit
of a session that announced due rows (the only signal SQLite has). A missed signal costs only
latency: dispatchers also look for due rows on a timer.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

OUTBOX_CHANNEL = "clawscale_outbox"
ANNOUNCED = "clawscale_outbox_due"
NOTIFY = sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, ""))

_listeners: list[Callable[[], None]] = []


def on_outbox_due(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` (from the committing thread) after each commit that made rows due;
    returns a function that removes it."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback)


def announce_outbox_due(db: Session, *, notified: bool = False) -> None:
    """Rows became due in this transaction: NOTIFY (unless the statement that made them did,
    `notified`) and wake this process's dispatchers after the commit."""
    if not notified and db.get_bind().dialect.name == "postgresql":
        db.exec(NOTIFY)
    db.info[ANNOUNCED] = True


def notify_on_insert(insert_returning: Any) -> Any:
    """`insert_returning` (an INSERT ... RETURNING id) wrapped to NOTIFY in the same statement,
    for each row it inserts (PostgreSQL only)."""
    inserted = insert_returning.cte("inserted")
    return sa.select(inserted.c.id, sa.func.pg_notify(OUTBOX_CHANNEL, ""))


@sa.event.listens_for(Session, "after_commit")
def _wake_local_dispatchers(db: Session) -> None:
    if db.info.pop(ANNOUNCED, False):
        for callback in list(_listeners):
            callback()
