"""Sessions: a savepoint never commits on its own, on either database."""

from sqlmodel import Session, func, select

from clawscale.models import Customer


def customers(engine):
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Customer)).one()


def test_rolling_back_undoes_work_done_in_a_savepoint(db):
    with Session(db) as session:
        session.exec(select(Customer)).all()
        with session.begin_nested():
            session.add(Customer(display_name="written in a savepoint"))
        session.rollback()
    assert customers(db) == 0


def test_committing_keeps_work_done_in_a_savepoint(db):
    with Session(db) as session:
        with session.begin_nested():
            session.add(Customer(display_name="kept"))
        session.commit()
    assert customers(db) == 1
