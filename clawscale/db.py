"""Database engines and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from clawscale.bound_rows import BoundRows
from clawscale.settings import get_settings

Row = TypeVar("Row")
Memo = TypeVar("Memo")

# Connections kept open per process: enough for the requests one API process serves at once, so
# a busy process does not open and close a connection per request. Past it, up to POOL_OVERFLOW
# more are opened for a burst and closed afterwards.
POOL_SIZE = 20
POOL_OVERFLOW = 10


class StaleRead(Exception):
    """A transaction's work rested on something kept outside the database (a cache) that it
    then found out of date: roll the transaction back and run the work again."""


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _take_over_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediately(connection: sa.Connection) -> None:
    """Start every SQLite transaction ourselves, holding the write lock from the start.

    The sqlite3 driver otherwise begins transactions lazily, before the first write: a savepoint
    opened first would become the outer transaction and commit on its own, and two requests
    could both read ("two admins are active") before either writes. BEGIN IMMEDIATE makes
    SQLite transactions take turns, as PostgreSQL's row locks do for the rules that need them.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str, *, serialise_sqlite: bool = True) -> Engine:
    """An engine for `url`: foreign keys and WAL on SQLite, a recycled pool on PostgreSQL.

    No pre-ping on checkout (it would cost a round trip per transaction): after a database
    restart the first statement on each stale connection fails (503 to the client), SQLAlchemy
    then discards the whole pool, and the next requests reconnect.

    `serialise_sqlite=False` keeps the sqlite3 driver's own lazy transactions, for an observer
    (such as a test) that reads while the application writes.
    """
    if is_sqlite(url):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _enable_sqlite_pragmas)
        if serialise_sqlite:
            sa.event.listen(engine, "connect", _take_over_transactions)
            sa.event.listen(engine, "begin", _begin_immediately)
        return engine
    return sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=1800)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured DATABASE_URL."""
    return create_db_engine(get_settings().DATABASE_URL)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_is_reachable(engine: Engine) -> bool:
    """Whether a trivial query succeeds on `engine`."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def insert_or_find(db: Session, insert: Callable[[], Row], find: Callable[[], Row | None]) -> Row:
    """Insert a row in a SAVEPOINT; if a concurrent insert won the unique key, the winner's row.

    `insert` adds the row (and anything it needs) to `db`; when its flush violates a unique key,
    the savepoint is rolled back and `find` fetches the row that won. Any other integrity error,
    one after which `find` finds nothing, is raised.
    """
    try:
        with db.begin_nested():
            return insert()
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing


@cache
def _table_rows(table: sa.Table) -> BoundRows:
    """Rows of every column of `table`, bound as one parameter."""
    return BoundRows(f"{table.name}_rows", tuple((c.name, c.type) for c in table.columns))


@cache
def _insert_unless_exists_statement(
    dialect: str, table: sa.Table, wrap: Callable[[Any], Any] | None
) -> Any:
    """INSERT ... SELECT of `_table_rows(table)` ON CONFLICT DO NOTHING, RETURNING the primary
    keys (the SELECT's WHERE keeps SQLite from reading ON CONFLICT as a join's ON), given to
    `wrap` when there is one."""
    names = [column.name for column in table.columns]
    source = _table_rows(table).table(dialect)
    rows = sa.select(*(source.c[name] for name in names)).where(sa.true())
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .from_select(names, rows)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return statement if wrap is None else wrap(statement)


def execute_core(
    db: Session, statement: Any, params: dict[str, Any] | list[dict[str, Any]]
) -> sa.CursorResult[Any]:
    """Run a Core statement on the session's connection, after flushing what the session holds:
    without the ORM's execution layer, a bound statement costs about a third less."""
    db.flush()
    return db.connection().execute(statement, params)


def transaction_memo(db: Session, key: str, new: Callable[[], Memo] = set) -> Memo:
    """What `new()` made under `key` for `db`'s current transaction (begun here if it has not
    begun yet), made afresh in the next one: what a transaction has already done or read once
    (a set, unless `new` makes something else)."""
    db.connection()
    transaction = db.get_transaction()
    memo = db.info.get(key)
    if memo is None or memo[0] is not transaction:
        memo = (transaction, new())
        db.info[key] = memo
    return memo[1]


PLANNER_AVOIDS = "db.planner_avoids"


@cache
def _planner_settings(methods: tuple[str, ...], value: str) -> sa.TextClause:
    settings = ", ".join(f"set_config('enable_{method}', '{value}', true)" for method in methods)
    return sa.text(f"SELECT {settings}")


def planner_avoids(db: Session, *methods: str) -> None:
    """For the rest of this transaction, PostgreSQL's planner avoids `methods` (`sort`,
    `seqscan`: names of `enable_*` settings); SQLite: nothing. One statement sets those not
    avoided yet in this transaction, none when all are.

    For the claims of work queues, whose plans must not hang on statistics (taken before a
    burst, or a prepared statement's generic plan made while its tables were nearly empty):
    their statements read rows by index. Not for a savepoint's statements: rolling the
    savepoint back would restore the settings while the memo keeps them."""
    if db.get_bind().dialect.name != "postgresql":
        return
    avoided = transaction_memo(db, PLANNER_AVOIDS)
    missing = tuple(method for method in methods if method not in avoided)
    if missing:
        execute_core(db, _planner_settings(missing, "off"), {})
        avoided.update(missing)


def planner_restored(db: Session) -> None:
    """Undo `planner_avoids` for the rest of this transaction, before statements that were not
    planned for it (one statement; none when nothing is avoided)."""
    if db.get_bind().dialect.name != "postgresql":
        return
    avoided = transaction_memo(db, PLANNER_AVOIDS)
    if avoided:
        execute_core(db, _planner_settings(tuple(sorted(avoided)), "on"), {})
        avoided.clear()


def insert_rows_unless_exist(
    db: Session,
    table: sa.Table,
    rows: list[dict[str, Any]],
    wrap: Callable[[Any], Any] | None = None,
) -> set[Any]:
    """INSERT rows of `table` (each naming every column) unless they clash with a unique key
    (ON CONFLICT DO NOTHING, a row clashing with an earlier one of `rows` too); the primary keys
    of those that went in. No savepoint: the fast path for rows usually new. One statement for
    any number of rows, built once per table (and `wrap`: a hashable function of the INSERT ...
    RETURNING giving the statement to run, whose first column is still the primary key, such as
    `WorkSignal.notifying_insert`), the rows bound as one parameter (`BoundRows`).
    A multi-row VALUES (SQLAlchemy's "insertmanyvalues") is a statement text per row count,
    too long for psycopg to cache or prepare: it parsed the text again on every execution,
    about a seventh of the API's CPU on webhooks."""
    dialect = db.get_bind().dialect
    statement = _insert_unless_exists_statement(dialect.name, table, wrap)
    return set(execute_core(db, statement, _table_rows(table).params(rows, dialect)).scalars())


def insert_unless_exists(db: Session, row: SQLModel) -> bool:
    """`insert_rows_unless_exist` for a model instance (which stays out of the session): whether
    it went in."""
    table = type(row).__table__
    values = {column.name: getattr(row, column.name) for column in table.columns}
    return bool(insert_rows_unless_exist(db, table, [values]))
