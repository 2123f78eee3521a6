"""Index changes for migrations that leave the gateway serving while they run: built and dropped
CONCURRENTLY on PostgreSQL (outside the migration's transaction, so writes to the table go on),
plainly on SQLite. Both are no-ops when the index is already as wanted."""

import sqlalchemy as sa
from alembic import op


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_index(name: str, table: str, columns: list[str], where: str | None = None) -> None:
    """Create index `name` on `table` (a partial one when `where`, SQL, is given)."""
    predicate = sa.text(where) if where else None
    if _on_postgresql():
        with op.get_context().autocommit_block():
            op.create_index(
                name,
                table,
                columns,
                postgresql_where=predicate,
                postgresql_concurrently=True,
                if_not_exists=True,
            )
    else:
        op.create_index(name, table, columns, sqlite_where=predicate, if_not_exists=True)


def drop_index(name: str, table: str) -> None:
    """Drop index `name` of `table`."""
    if _on_postgresql():
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    else:
        op.drop_index(name, table_name=table, if_exists=True)
