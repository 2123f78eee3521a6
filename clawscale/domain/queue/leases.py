"""Work rows taken under a lease: the pattern shared by the outbox, inbound events and bindings.

A worker takes a row with a conditional UPDATE (due, lease free, plus the caller's conditions),
or walks the due rows oldest first, locking them, and leases those it found; so two workers
never hold one row. A worker that dies leaves a lease that expires, and the row
becomes due again. Results are recorded only by the worker that still holds the lease.
"""

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import Select, Update, bindparam
from sqlmodel import Session, col, or_, select, update

from clawscale.bound_lists import one_of
from clawscale.db import execute_core, planner_avoids
from clawscale.models.base import UTCDateTime, utcnow
from clawscale.settings import Settings

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0


class Leased(Protocol):
    """A table with the lease and retry columns."""

    id: Any
    next_attempt_at: Any
    lease_owner: Any
    lease_expires_at: Any
    created_at: Any


class Retried(Leased, Protocol):
    """A leased table that counts its attempts."""

    attempts: Any
    updated_at: Any


Row = TypeVar("Row", bound=Leased)
Item = TypeVar("Item")


def lease_length(settings: Settings) -> timedelta:
    """How long a worker holds what it takes (DELIVERY_LEASE_SECONDS): long enough for one
    attempt, short enough that a dead worker's rows come free soon."""
    return timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Delay before the next try: exponential, capped, with jitter; never below Retry-After."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return max(random.uniform(ceiling / 2, ceiling), retry_after or 0.0)


def retry_later(
    row: Retried, *, transient: bool, max_attempts: int, retry_after: float | None = None
) -> bool:
    """After a failed attempt: whether the row is tried again (a transient failure with
    attempts left), and if so its next attempt, after `backoff_seconds`. The caller sets the
    status (retried or given up)."""
    if not transient or row.attempts >= max_attempts:
        return False
    row.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(row.attempts, retry_after))
    return True


ROW_ID = bindparam("lease_row_id")
ROW_IDS = "lease_row_ids"
WORKER_ID = bindparam("lease_worker_id")
NOW = bindparam("lease_now", type_=UTCDateTime())
LEASE_UNTIL = bindparam("lease_until", type_=UTCDateTime())


def due_and_free(model: type[Leased], now: Any = None) -> tuple[Any, Any]:
    """SQL conditions: the row's next attempt is due and nobody holds a live lease on it (at
    `now`: the current time unless a bound parameter stands for it)."""
    now = utcnow() if now is None else now
    return (
        or_(col(model.next_attempt_at).is_(None), model.next_attempt_at <= now),
        or_(col(model.lease_expires_at).is_(None), model.lease_expires_at < now),
    )


def lease_statement(model: type[Leased], *conditions: Any, **values: Any) -> Update:
    """The UPDATE leasing one row that is due, free and meets `conditions`, setting `values`
    with the lease and returning its id. Built once per kind of work (a module constant) and run
    by `take` with the row, the worker and the times bound: building SQL costs more than running
    it."""
    return _leasing(
        model, col(model.id) == ROW_ID, *due_and_free(model, NOW), *conditions, **values
    )


def walked_lease_statement(model: type[Leased], **values: Any) -> Update:
    """The UPDATE leasing the rows `walk_oldest_first` has just found in the same transaction,
    setting `values` with the lease and returning their ids; run by `take_many`.

    It has no conditions of its own: the walk has locked those rows (PostgreSQL: FOR UPDATE,
    which re-checks the walk's conditions on each row's latest version) or the transaction holds
    the database's only write lock (SQLite: BEGIN IMMEDIATE), so they are still due, free and
    first of their kind. Without conditions the rows are read by primary key whatever the
    statistics say: with the status conditions, statistics taken of a drained queue made
    PostgreSQL scan the whole partial index of waiting rows instead (12.7 ms a claim with 8,000
    replies queued)."""
    return _leasing(model, one_of(col(model.id), ROW_IDS), **values)


def _leasing(model: type[Leased], *conditions: Any, **values: Any) -> Update:
    """UPDATE the rows meeting `conditions`: the bound lease and `values`; RETURNING their ids."""
    return (
        update(model)
        .where(*conditions)
        .values(lease_owner=WORKER_ID, lease_expires_at=LEASE_UNTIL, updated_at=NOW, **values)
        .returning(col(model.id))
        .execution_options(synchronize_session=False)
    )


def _lease_params(worker_id: str, lease: timedelta) -> dict[str, Any]:
    now = utcnow()
    return {WORKER_ID.key: worker_id, NOW.key: now, LEASE_UNTIL.key: now + lease}


def take(db: Session, statement: Update, row_id: str, worker_id: str, lease: timedelta) -> bool:
    """Lease one row with a `lease_statement`; whether this worker got it."""
    params = {ROW_ID.key: row_id, **_lease_params(worker_id, lease)}
    return execute_core(db, statement, params).first() is not None


def take_many(
    db: Session, statement: Update, row_ids: list[str], worker_id: str, lease: timedelta
) -> list[str]:
    """Lease the rows `walk_oldest_first` found, with a `walked_lease_statement`, in one
    statement; the ids taken, in the order of `row_ids`."""
    if not row_ids:
        return []
    params = {ROW_IDS: row_ids, **_lease_params(worker_id, lease)}
    taken = set(execute_core(db, statement, params).scalars())
    return [row_id for row_id in row_ids if row_id in taken]


def in_order_of(row_ids: list[str], rows: Iterable[Item], key: Callable[[Item], str]) -> list[Item]:
    """`rows`, each named by `key(row)`, in the order of `row_ids` (a walk's: oldest first).
    What a claim reads after its walk it reads in no order: the claim's transaction plans
    without sorting, so an ORDER BY by time could be read off a whole index of the table."""
    position = {row_id: index for index, row_id in enumerate(row_ids)}
    return sorted(rows, key=lambda row: position[key(row)])


def held(db: Session, model: type[Row], row_id: str, worker_id: str) -> Row | None:
    """The row, locked, if `worker_id` still holds its lease."""
    row = db.get(model, row_id, populate_existing=True, with_for_update=True)
    if row is None or row.lease_owner != worker_id:
        return None
    return row


def start_afresh(db: Session, row: Retried) -> None:
    """An admin's retry of a row given up on: due now, with a fresh budget of attempts (the
    caller sets its status)."""
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.updated_at = utcnow()
    db.add(row)
    db.flush()


def release(db: Session, row: Leased) -> None:
    """Give the lease back."""
    row.lease_owner = None
    row.lease_expires_at = None
    row.updated_at = utcnow()
    db.add(row)
    db.flush()


def release_all_held(db: Session, model: type[Leased], worker_id: str) -> int:
    """Give back every lease `worker_id` holds on `model`'s rows (a worker stopping with work
    cut short): those rows are due again at once instead of when their leases expire. How
    many were released."""
    statement = (
        update(model)
        .where(col(model.lease_owner) == worker_id)
        .values(lease_owner=None, lease_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return execute_core(db, statement, {}).rowcount


def due_heads_oldest_first(
    model: type[Leased], waiting: str, head: Any, *columns: Any
) -> Select[Any]:
    """The SELECT `walk_oldest_first` runs: up to `limit` rows that are waiting, due, free and
    meet `head`, oldest first, locked (skipping rows another worker has locked; only `model`'s
    rows, whatever the caller joins to it). It selects their ids, or `columns` (the id first).
    `waiting` is the SQL of the partial index of waiting rows, a condition on a column of
    `model` that it names first, written as the index says it so the planner may use that index
    (here with the table's name before it, as the caller may join other tables)."""
    return (
        select(*(columns or (model.id,)))
        .select_from(model)
        .where(sa.text(f"{model.__tablename__}.{waiting}"), *due_and_free(model, NOW), head)
        .order_by(col(model.created_at), col(model.id))
        .limit(bindparam("limit", type_=sa.Integer))
        .with_for_update(skip_locked=True, of=model)
    )


def walk_oldest_first(db: Session, heads: Select[Any], limit: int) -> Sequence[sa.Row[Any]]:
    """The rows `heads` (a `due_heads_oldest_first`) selects: up to `limit` due rows, oldest
    first, locked, planned as the walk of a partial index of waiting rows that stops at `limit`.
    Run through the ORM, so `heads` may select bundles.

    Statistics taken before a burst make PostgreSQL think few rows are waiting; it then fetches
    every one through an index on status, tests each and sorts them (24 ms a claim with 8,000
    deliveries queued, against 0.1 ms for the walk). So the claim's transaction plans without
    sorting from here on."""
    planner_avoids(db, "sort")
    return db.execute(heads, _walk_params(limit)).all()


def walk_ids_oldest_first(db: Session, heads: Select[Any], limit: int) -> list[str]:
    """The ids `walk_oldest_first` finds, for `heads` that select the id alone (run without
    the ORM's execution layer, which costs about a third more)."""
    planner_avoids(db, "sort")
    return list(execute_core(db, heads, _walk_params(limit)).scalars())


def _walk_params(limit: int) -> dict[str, Any]:
    return {"limit": limit, NOW.key: utcnow()}
