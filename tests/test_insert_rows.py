"""`insert_rows_unless_exist` on both databases: new rows go in, rows clashing with a stored row
or an earlier row of the same call do not, and every number of rows runs one statement text
(so psycopg caches and prepares it)."""

import sqlalchemy as sa
from sqlmodel import Session, select

from clawscale.db import insert_rows_unless_exist
from clawscale.models import Customer
from clawscale.models.base import utcnow
from tests.engine_events import listening

CUSTOMERS = Customer.__table__


def customer_row(row_id: str, name: str) -> dict[str, object]:
    values = {column.name: None for column in CUSTOMERS.columns}
    defaults = Customer(id=row_id, display_name=name).model_dump()
    return {**values, **defaults, "created_at": utcnow(), "updated_at": utcnow()}


def names(engine: sa.Engine) -> dict[str, str]:
    with Session(engine) as session:
        return dict(session.exec(select(Customer.id, Customer.display_name)).all())


def test_rows_go_in_unless_their_key_is_taken(db: sa.Engine) -> None:
    with Session(db) as session:
        first = insert_rows_unless_exist(session, CUSTOMERS, [customer_row("ck_a", "Ada")])
        session.commit()
    rows = [
        customer_row("ck_a", "Ada again"),
        customer_row("ck_b", "Bo"),
        customer_row("ck_b", "Bo twice"),
        customer_row("ck_c", "Cy"),
    ]
    with Session(db) as session:
        second = insert_rows_unless_exist(session, CUSTOMERS, rows)
        session.commit()
    assert (first, second) == ({"ck_a"}, {"ck_b", "ck_c"})
    assert names(db) == {"ck_a": "Ada", "ck_b": "Bo", "ck_c": "Cy"}


def test_every_number_of_rows_runs_one_statement_text(db: sa.Engine) -> None:
    statements: list[tuple[str, bool]] = []

    def note(_c: object, _cursor: object, statement: str, _p: object, _x: object, many: bool):
        statements.append((statement, many))

    with listening(db, "before_cursor_execute", note), Session(db) as session:
        for count in (1, 2, 5):
            rows = [customer_row(f"ck_{count}_{n}", f"customer {n}") for n in range(count)]
            assert len(insert_rows_unless_exist(session, CUSTOMERS, rows)) == count
        session.commit()
    inserts = [(text, many) for text, many in statements if text.startswith("INSERT")]
    assert len(inserts) == 3
    assert len(set(inserts)) == 1
    assert inserts[0][1] is False
