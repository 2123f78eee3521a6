"""`BoundRows`: rows bound as one parameter, a JSON array of objects that a statement reads as a
table (PostgreSQL's `jsonb_to_recordset`, SQLite's `json_each`).

One statement text then serves any number of rows, where a multi-row VALUES or a UNION would be
a statement per row count (each planned and prepared apart, and its cache key rebuilt by
SQLAlchemy on every execution): for statements that handle a batch of requests together, such
as the lookups and INSERTs of a group commit's requests. Each value is bound as its column's
type would bind it (on SQLite timestamps as SQLAlchemy stores them and JSON as text; on
PostgreSQL timestamps in ISO 8601 and JSON as itself), typed by the table's column list.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.type_api import TypeEngine


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Any:
    """How a value of `column_type` goes into the document: the type's own bind processing,
    except for JSON on PostgreSQL, which the table's column list types as it is."""
    if dialect.name == "postgresql" and isinstance(column_type, sa.JSON):
        return None
    return column_type.dialect_impl(dialect).bind_processor(dialect)


@lru_cache(maxsize=256)
def _processors(
    columns: tuple[tuple[str, TypeEngine[Any]], ...], dialect: Dialect
) -> tuple[tuple[str, Any], ...]:
    """Each column's name and `_processor`, worked out once per set of columns and dialect
    (every request's statements bind rows of the same few shapes)."""
    return tuple((name, _processor(column_type, dialect)) for name, column_type in columns)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class BoundRows:
    """Rows of `columns` (name, type) bound to the parameter `name`, read as the table `name`."""

    name: str
    columns: tuple[tuple[str, TypeEngine[Any]], ...]

    def table(self, dialect: str) -> Any:
        """The rows as a table of the statement, for `dialect` (a dialect's name)."""
        document = sa.bindparam(self.name, type_=sa.String)
        if dialect == "postgresql":
            columns = [sa.column(name, column_type) for name, column_type in self.columns]
            return (
                sa.func.jsonb_to_recordset(sa.cast(document, JSONB))
                .table_valued(*columns)
                .render_derived(name=self.name, with_types=True)
            )
        each = sa.func.json_each(document).table_valued("value")
        return sa.select(
            *(
                sa.func.json_extract(each.c.value, f"$.{name}").label(name)
                for name, _ in self.columns
            )
        ).subquery(self.name)

    def params(self, rows: list[dict[str, Any]], dialect: Dialect) -> dict[str, str]:
        """The parameter binding `rows` (each naming every column) for `dialect`."""
        processors = _processors(self.columns, dialect)
        values = [
            {
                name: _plain(process(row[name]) if process is not None else row[name])
                for name, process in processors
            }
            for row in rows
        ]
        return {self.name: json.dumps(values)}
