"""Telling workers that rows of their queue became due, once the transaction that made them
commits: `OUTBOX` (deliveries, for the dispatchers), `INBOUND` (events to forward, for the
inbound workers), `MAIL` (email to send, for the mail workers) and `CHAT_MESSAGES` (new web
chat messages, for the open chat streams).

Across processes this is PostgreSQL's NOTIFY on the queue's channel (delivered on commit,
dropped on rollback); within a process, callbacks registered with `on_due` run after the commit
of a session that announced due rows (the only signal SQLite has). A missed signal costs only
latency: workers also look for due rows on a timer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session


@dataclass(frozen=True)
class NotifyingInsert:
    """Wraps an INSERT ... RETURNING (its primary key first) into a statement that also NOTIFYs
    `channel` for each row it inserts, or, given `column`, for each whose `column` is `value`
    (PostgreSQL only): the rows' ids come out first, as before. Hashable, so that statements
    built with it can be cached."""

    channel: str
    column: str | None = None
    value: Any = None

    def __call__(self, insert_returning: Any) -> Any:
        if self.column is not None:
            insert_returning = insert_returning.returning(insert_returning.table.c[self.column])
        inserted = insert_returning.cte("inserted")
        notify = sa.func.pg_notify(self.channel, "")
        if self.column is not None:
            notify = sa.case((inserted.c[self.column] == self.value, notify))
        return sa.select(next(iter(inserted.c)), notify)


class WorkSignal:
    """The due-rows signal of one queue, named by its NOTIFY channel."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._announced = f"{channel}_due"
        self._notify = sa.select(sa.func.pg_notify(channel, ""))
        self._listeners: list[Callable[[], None]] = []

    def on_due(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (from the committing thread) after each commit that made rows due;
        returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def announce(self, db: Session, *, notified: bool = False) -> None:
        """Rows became due in this transaction: NOTIFY (unless the statement that made them
        did, `notified`) and wake this process's workers after the commit."""
        if not notified and db.get_bind().dialect.name == "postgresql":
            db.exec(self._notify)
        db.info[self._announced] = True

    def notifying_insert(self, column: str | None = None, due: Any = None) -> NotifyingInsert:
        """The wrapper of an INSERT ... RETURNING its primary key that NOTIFYs in the same
        statement for each row it inserts, or, given `column`, for each whose `column` is `due`
        (PostgreSQL only)."""
        return NotifyingInsert(self.channel, column, due)

    def committed(self, db: Session) -> None:
        """`db` committed: wake the listeners if it announced due rows."""
        if db.info.pop(self._announced, False):
            for callback in list(self._listeners):
                callback()


OUTBOX = WorkSignal("clawscale_outbox")
INBOUND = WorkSignal("clawscale_inbound")
MAIL = WorkSignal("clawscale_mail")
CHAT_MESSAGES = WorkSignal("clawscale_chat_messages")


@sa.event.listens_for(Session, "after_commit")
def _wake_local_workers(db: Session) -> None:
    # A savepoint's release fires after_commit too; only the outermost commit is durable.
    if db.in_nested_transaction():
        return
    OUTBOX.committed(db)
    INBOUND.committed(db)
    MAIL.committed(db)
    CHAT_MESSAGES.committed(db)
