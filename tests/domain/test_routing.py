"""Delivery routes: upsert and resolution, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from clawscale.domain.outbox.routes import resolve_delivery_route, upsert_delivery_route
from clawscale.models import Channel, Customer, DeliveryRoute, EndUser

KEY = "coke:conversation:1"


def _count_routes(session: Session) -> int:
    return session.exec(select(func.count()).select_from(DeliveryRoute)).one()


@pytest.fixture
def customer(session: Session) -> Customer:
    row = Customer(display_name="Ada")
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def channel(session: Session) -> Channel:
    row = Channel(kind="wechat_personal", name="WeChat")
    session.add(row)
    session.commit()
    return row


def _end_user(session: Session, channel: Channel, external_id: str) -> EndUser:
    row = EndUser(channel_id=channel.id, external_id=external_id)
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def alice(session: Session, channel: Channel) -> EndUser:
    return _end_user(session, channel, "wxid_alice")


@pytest.fixture
def bob(session: Session, channel: Channel) -> EndUser:
    return _end_user(session, channel, "wxid_bob")


def _upsert(session: Session, customer: Customer, end_user: EndUser, **extra) -> DeliveryRoute:
    route = upsert_delivery_route(
        session, customer.id, KEY, end_user.channel_id, end_user.id, end_user.external_id, **extra
    )
    session.commit()
    return route


def _target(route: DeliveryRoute) -> tuple[str, str, str]:
    return route.channel_id, route.end_user_id, route.external_end_user_id


def test_upsert_creates_an_active_route_that_resolves(session, customer, alice):
    _upsert(session, customer, alice, provider_context={"context_token": "t1"})
    route = resolve_delivery_route(session, customer.id, KEY)
    assert route is not None
    assert _target(route) == (alice.channel_id, alice.id, "wxid_alice")
    assert route.provider_context == {"context_token": "t1"}
    assert route.is_active


def test_unknown_keys_and_other_customers_do_not_resolve(session, customer, alice):
    other = Customer()
    session.add(other)
    session.commit()
    _upsert(session, customer, alice)
    assert resolve_delivery_route(session, customer.id, "another key") is None
    assert resolve_delivery_route(session, other.id, KEY) is None


def test_inactive_routes_do_not_resolve(session, customer, alice):
    route = _upsert(session, customer, alice)
    route.is_active = False
    session.add(route)
    session.commit()
    assert resolve_delivery_route(session, customer.id, KEY) is None


def test_repeating_an_upsert_changes_nothing(session, customer, alice):
    first = _upsert(session, customer, alice, provider_context={"context_token": "t1"})
    stored = first.model_dump()
    again = _upsert(session, customer, alice)
    session.refresh(again)
    assert _count_routes(session) == 1
    assert again.model_dump() == stored


def test_a_new_context_replaces_the_old_one(session, customer, alice):
    _upsert(session, customer, alice, provider_context={"context_token": "t1"})
    route = _upsert(session, customer, alice, provider_context={"context_token": "t2"})
    assert route.provider_context == {"context_token": "t2"}


def test_upserting_another_target_moves_the_route_and_drops_its_context(
    session, customer, alice, bob
):
    _upsert(session, customer, alice, provider_context={"context_token": "alice's"})
    _upsert(session, customer, bob)
    route = resolve_delivery_route(session, customer.id, KEY)
    assert route is not None
    assert _target(route) == (bob.channel_id, bob.id, "wxid_bob")
    assert route.provider_context == {}
    assert _count_routes(session) == 1


def test_upsert_reactivates_an_inactive_route(session, customer, alice):
    route = _upsert(session, customer, alice)
    route.is_active = False
    session.add(route)
    session.commit()
    deactivated_at = route.updated_at
    _upsert(session, customer, alice)
    route = resolve_delivery_route(session, customer.id, KEY)
    assert route is not None
    assert route.updated_at > deactivated_at


def test_concurrent_upserts_land_on_one_route(db, database_url, customer, alice, bob):
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level concurrency is exercised on PostgreSQL")
    threads = 8
    barrier = threading.Barrier(threads)
    end_users = ([alice, bob] * threads)[:threads]

    def upsert(end_user: EndUser) -> None:
        with Session(db) as session:
            barrier.wait()
            _upsert(session, customer, end_user)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(upsert, end_users))
    with Session(db) as session:
        route = session.exec(select(DeliveryRoute)).one()
    assert route.is_active
    assert route.end_user_id in {alice.id, bob.id}
