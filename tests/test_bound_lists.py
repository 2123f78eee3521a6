"""`one_of` on both databases: the rows whose column is in the bound list, whatever its length,
and on PostgreSQL one statement text (so one prepared plan) for every length."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from clawscale.bound_lists import one_of
from clawscale.models import Customer
from tests.engine_events import listening

NAMED = select(Customer.display_name).where(one_of(col(Customer.id), "ids"))


@pytest.fixture
def customers(db: sa.Engine) -> dict[str, str]:
    """Five customers: id -> name."""
    with Session(db) as session:
        rows = [Customer(display_name=f"customer {number}") for number in range(5)]
        session.add_all(rows)
        session.commit()
        return {row.id: row.display_name for row in rows}


@pytest.mark.parametrize("count", [0, 1, 3, 5])
def test_the_rows_named_in_the_list_are_found(
    db: sa.Engine, customers: dict[str, str], count: int
) -> None:
    wanted = list(customers)[:count]
    with db.connect() as connection:
        found = connection.execute(NAMED, {"ids": [*wanted, "ck_nobody"]}).scalars().all()
    assert sorted(found) == sorted(customers[row_id] for row_id in wanted)


def test_postgresql_runs_one_statement_for_every_length(
    db: sa.Engine, customers: dict[str, str]
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite expands the list in place")
    statements: set[str] = set()

    def note(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.add(statement)

    with listening(db, "before_cursor_execute", note), db.connect() as connection:
        for count in range(1, 6):
            connection.execute(NAMED, {"ids": list(customers)[:count]}).all()
    assert len(statements) == 1
    assert "ANY" in statements.pop()
