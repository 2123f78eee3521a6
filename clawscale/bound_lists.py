"""`one_of(column, name)`: a condition that a column equals one of a list bound at execution.

SQLAlchemy's expanding IN writes one placeholder per item, so a batch of 3 ids and one of 20
are different statements: PostgreSQL plans each anew, and psycopg prepares none of them for
long. On PostgreSQL `one_of` is `column = ANY(:name)` with the list bound as one array, so every
batch size runs the one prepared statement; elsewhere (SQLite) it is the expanding IN.
"""

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class OneOf(ColumnElement[bool]):
    """`column` is one of the list bound to the parameter `name`."""

    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals: ClassVar[list[tuple[str, InternalTraversal]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


def one_of(column: Any, name: str) -> OneOf:
    """SQL: `column` is one of the list passed as the parameter `name` when run."""
    return OneOf(coercions.expect(roles.ExpressionElementRole, column), name)


@compiles(OneOf)
def _expanding_in(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(sa.bindparam(element.name, expanding=True)), **kw)


@compiles(OneOf, "postgresql")
def _equals_any(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    array = sa.bindparam(element.name, type_=ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(array), **kw)
