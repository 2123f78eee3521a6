"""Reading the seed gateway's PostgreSQL database: recognising it, counting and reading rows.

The seed's tables are Prisma's (`_prisma_migrations` beside them); its timestamps are stored
without a zone and mean UTC.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clawscale.domain.errors import Invalid
from clawscale.settings import normalise_database_url

MIGRATIONS_TABLE = "_prisma_migrations"
SeedRow = Mapping[str, Any]


class SourceNotRecognised(Invalid):
    """The source database is not a seed gateway's (or not one this importer knows)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "source_not_recognised",
            f"the source is not a seed gateway database this importer knows: {detail}",
        )


def open_source(url: str) -> Engine:
    """An engine on the seed's database; only PostgreSQL URLs are accepted."""
    normalised = normalise_database_url(url)
    if not normalised.startswith("postgresql+psycopg://"):
        raise SourceNotRecognised("--from must be a postgresql:// URL")
    return sa.create_engine(normalised, connect_args={"connect_timeout": 10})


def recognise(source: Engine, expected: Mapping[str, Sequence[str]]) -> None:
    """Refuse a source without Prisma's migrations table or without a table or column read."""
    try:
        inspector = sa.inspect(source)
        tables = set(inspector.get_table_names())
    except sa.exc.OperationalError as error:
        raise SourceNotRecognised(f"cannot connect ({error.orig})") from error
    if MIGRATIONS_TABLE not in tables:
        raise SourceNotRecognised(f"no {MIGRATIONS_TABLE} table")
    missing = [table for table in expected if table not in tables]
    if missing:
        raise SourceNotRecognised(f"missing tables: {', '.join(sorted(missing))}")
    for table, columns in expected.items():
        present = {column["name"] for column in inspector.get_columns(table)}
        absent = [column for column in columns if column not in present]
        if absent:
            raise SourceNotRecognised(f"table {table} lacks columns: {', '.join(absent)}")


def as_utc(value: datetime | None) -> datetime | None:
    """A seed timestamp (naive, meaning UTC) as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _select(table: str, columns: Sequence[str], where: str, order_by: str) -> sa.TextClause:
    listed = ", ".join(f'"{column}"' for column in columns)
    condition = f" WHERE {where}" if where else ""
    return sa.text(f'SELECT {listed} FROM "{table}"{condition} ORDER BY {order_by}')


def count_rows(source: Engine, table: str, where: str, params: Mapping[str, Any]) -> int:
    """How many rows of `table` match `where`."""
    condition = f" WHERE {where}" if where else ""
    with source.connect() as connection:
        return connection.execute(
            sa.text(f'SELECT count(*) FROM "{table}"{condition}'), dict(params)
        ).scalar_one()


def read_batches(
    source: Engine,
    table: str,
    columns: Sequence[str],
    *,
    where: str,
    order_by: str,
    params: Mapping[str, Any],
    batch_size: int,
) -> Iterator[list[SeedRow]]:
    """The matching rows of `table` in `order_by` order, `batch_size` at a time (streamed)."""
    statement = _select(table, columns, where, order_by)
    with source.connect() as connection:
        result = connection.execution_options(stream_results=True).execute(statement, dict(params))
        for batch in result.mappings().partitions(batch_size):
            yield list(batch)
