"""Access in the domain on both databases: the trial, the decision and its order, passes granted
once and stacked (with the customer row locked on PostgreSQL), and expiry notices."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from clawscale.domain.billing.access import (
    PASS_LENGTH,
    TRIAL_LENGTH,
    DenialReason,
    access_decision,
    access_expires_at,
    grant_pass,
)
from clawscale.domain.billing.links import customer_for_checkout_token, renewal_link
from clawscale.domain.billing.mail import expiry_notice_subject, send_expiry_notices
from clawscale.domain.errors import InvalidToken
from clawscale.i18n.locales import ENGLISH
from clawscale.models import (
    AccessPass,
    ClaimStatus,
    Customer,
    EmailMessage,
    EmailStatus,
    Identity,
    Membership,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

PAID = Settings(
    _env_file=None,
    STRIPE_SECRET_KEY="sk_test_domain",
    STRIPE_PRICE_ID="price_domain",
    CLAWSCALE_PUBLIC_API_URL="http://api.example.test",
)
UNPAID = Settings(_env_file=None, STRIPE_SECRET_KEY="", STRIPE_PRICE_ID="")


def make_customer(
    session: Session,
    *,
    age: timedelta = timedelta(0),
    email: str | None = "ada@example.com",
    verified: bool = True,
    suspended: bool = False,
) -> Customer:
    customer = Customer(display_name="Ada", created_at=utcnow() - age, suspended=suspended)
    session.add(customer)
    if email is not None or verified:
        identity = Identity(
            email=email,
            claim_status=ClaimStatus.ACTIVE if verified else ClaimStatus.UNCLAIMED,
            email_verified_at=utcnow() if verified else None,
        )
        session.add(identity)
        session.flush()
        session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()
    return customer


def add_pass(session: Session, customer: Customer, expires_in: timedelta) -> AccessPass:
    expires_at = utcnow() + expires_in
    row = AccessPass(
        customer_id=customer.id,
        stripe_checkout_session_id=f"cs_test_{expires_in.total_seconds()}",
        starts_at=expires_at - PASS_LENGTH,
        expires_at=expires_at,
    )
    session.add(row)
    session.commit()
    return row


def test_the_trial_lasts_30_days_from_creation(session):
    customer = make_customer(session, age=timedelta(days=29))
    decision = access_decision(session, PAID, customer, shared_channel=False)
    assert decision.allowed is True
    assert decision.reason is None
    assert decision.trial_ends_at == customer.created_at + TRIAL_LENGTH
    assert decision.expires_at == decision.trial_ends_at
    assert decision.payments_configured is True


@pytest.mark.parametrize(
    ("customer_kwargs", "shared_channel", "reason"),
    [
        ({"suspended": True, "verified": False, "age": timedelta(days=60)}, False,
         DenialReason.ACCOUNT_SUSPENDED),
        ({"suspended": True}, True, DenialReason.ACCOUNT_SUSPENDED),
        ({"verified": False, "age": timedelta(days=60)}, False, DenialReason.EMAIL_NOT_VERIFIED),
        ({"verified": False, "email": None}, False, DenialReason.EMAIL_NOT_VERIFIED),
        ({"verified": False, "age": timedelta(days=60)}, True,
         DenialReason.SUBSCRIPTION_REQUIRED),
        ({"age": timedelta(days=31)}, False, DenialReason.SUBSCRIPTION_REQUIRED),
        ({"verified": False, "email": None}, True, None),
    ],
)  # fmt: skip
def test_the_decision_checks_in_the_contract_order(
    session, customer_kwargs, shared_channel, reason
):
    customer = make_customer(session, **customer_kwargs)
    decision = access_decision(session, PAID, customer, shared_channel=shared_channel)
    assert decision.reason == reason
    assert decision.allowed is (reason is None)


def test_without_payments_configured_lapsed_access_is_not_gated(session):
    customer = make_customer(session, age=timedelta(days=90))
    decision = access_decision(session, UNPAID, customer, shared_channel=False)
    assert decision.allowed is True
    assert decision.payments_configured is False
    suspended = make_customer(session, email="s@example.com", suspended=True)
    assert access_decision(session, UNPAID, suspended, shared_channel=True).reason == (
        DenialReason.ACCOUNT_SUSPENDED
    )


def test_the_latest_pass_decides_when_access_ends(session):
    customer = make_customer(session, age=timedelta(days=60))
    add_pass(session, customer, timedelta(days=-5))
    latest = add_pass(session, customer, timedelta(days=12))
    assert access_expires_at(session, customer) == latest.expires_at
    assert access_decision(session, PAID, customer, shared_channel=False).allowed is True


def test_a_pass_starts_after_the_trial_while_the_trial_runs(session):
    customer = make_customer(session, age=timedelta(days=5))
    grant = grant_pass(session, customer.id, "cs_test_one")
    session.commit()
    assert grant is not None and grant.created is True
    assert grant.access_pass.starts_at == customer.created_at + TRIAL_LENGTH
    assert grant.access_pass.expires_at == customer.created_at + TRIAL_LENGTH + PASS_LENGTH


def test_a_pass_stacks_after_the_latest_pass(session):
    customer = make_customer(session, age=timedelta(days=40))
    current = add_pass(session, customer, timedelta(days=7))
    grant = grant_pass(session, customer.id, "cs_test_next")
    session.commit()
    assert grant is not None
    assert grant.access_pass.starts_at == current.expires_at
    assert grant.access_pass.expires_at == current.expires_at + PASS_LENGTH


def test_a_pass_bought_after_access_lapsed_starts_now(session):
    customer = make_customer(session, age=timedelta(days=100))
    add_pass(session, customer, timedelta(days=-20))
    now = utcnow()
    grant = grant_pass(session, customer.id, "cs_test_late", now=now)
    session.commit()
    assert grant is not None
    assert grant.access_pass.starts_at == now
    assert access_decision(session, PAID, customer, shared_channel=False).allowed is True


def test_a_session_is_granted_once(session):
    customer = make_customer(session)
    first = grant_pass(session, customer.id, "cs_test_same")
    session.commit()
    second = grant_pass(session, customer.id, "cs_test_same")
    session.commit()
    assert first is not None and second is not None
    assert (first.created, second.created) == (True, False)
    assert second.access_pass.id == first.access_pass.id
    assert grant_pass(session, "ck_nobody", "cs_test_other") is None


def test_a_duplicate_insert_is_caught_by_the_unique_session_id(session, monkeypatch):
    """The final guard: a pass inserted by someone else after our check is found, not doubled."""
    import clawscale.domain.billing.access as access

    customer = make_customer(session)
    other = AccessPass(
        customer_id=customer.id,
        stripe_checkout_session_id="cs_test_raced",
        starts_at=utcnow(),
        expires_at=utcnow() + PASS_LENGTH,
    )
    session.add(other)
    session.commit()
    looked_up = iter([None])
    real_lookup = access.pass_for_checkout
    monkeypatch.setattr(
        access, "pass_for_checkout", lambda db, sid: next(looked_up, real_lookup(db, sid))
    )
    grant = grant_pass(session, customer.id, "cs_test_raced")
    session.commit()
    assert grant is not None and grant.created is False
    assert grant.access_pass.id == other.id
    assert len(session.exec(select(AccessPass)).all()) == 1


def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("row locks are PostgreSQL's; SQLite transactions already take turns")


def grant_in_thread(engine: sa.Engine, customer_id: str, session_id: str) -> tuple:
    """Grant in another transaction, in a thread; its thread and a box for the result."""
    box: list = []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as other:
            grant = grant_pass(other, customer_id, session_id)
            other.commit()
            box.append(grant)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_second_payment_waits_for_the_first_and_stacks_after_it(
    session, observer_engine, database_url
):
    postgres_only(database_url)
    customer = make_customer(session, age=timedelta(days=3))
    first = grant_pass(session, customer.id, "cs_test_first")
    assert first is not None

    thread, box = grant_in_thread(observer_engine, customer.id, "cs_test_second")
    thread.join(timeout=0.5)
    assert thread.is_alive(), "the second grant must wait for the customer row lock"
    session.commit()
    thread.join(timeout=10)

    [second] = box
    assert second.created is True
    assert second.access_pass.starts_at == first.access_pass.expires_at


def test_a_racing_grant_of_the_same_session_waits_and_adds_nothing(
    session, observer_engine, database_url
):
    postgres_only(database_url)
    customer = make_customer(session)
    first = grant_pass(session, customer.id, "cs_test_once")
    assert first is not None
    thread, box = grant_in_thread(observer_engine, customer.id, "cs_test_once")
    thread.join(timeout=0.5)
    assert thread.is_alive()
    session.commit()
    thread.join(timeout=10)

    [second] = box
    assert second.created is False
    assert second.access_pass.id == first.access_pass.id


def test_renewal_links_name_their_customer_for_24_hours(session):
    customer = make_customer(session)
    link = renewal_link(PAID, customer.id)
    token = link.split("token=", 1)[1]
    assert link.startswith("http://api.example.test/api/public/subscription-checkout?token=")
    assert customer_for_checkout_token(session, PAID, token).id == customer.id
    old = renewal_link(PAID, customer.id, now=utcnow() - timedelta(hours=24, seconds=1))
    with pytest.raises(InvalidToken):
        customer_for_checkout_token(session, PAID, old.split("token=", 1)[1])


def notices(session: Session) -> list[EmailMessage]:
    session.expire_all()
    query = select(EmailMessage).where(col(EmailMessage.subject).startswith("Your ClawScale"))
    return list(session.exec(query.order_by(col(EmailMessage.created_at))))


def test_expiry_notices_go_once_per_expiry(session):
    ending = make_customer(session, age=TRIAL_LENGTH - timedelta(days=2))
    make_customer(session, email="later@example.com", age=timedelta(days=20))
    make_customer(session, email="gone@example.com", age=timedelta(days=31))
    make_customer(session, email=None, verified=False, age=TRIAL_LENGTH - timedelta(days=1))
    make_customer(
        session, email="off@example.com", suspended=True, age=TRIAL_LENGTH - timedelta(days=1)
    )

    assert send_expiry_notices(session, PAID) == 1
    session.commit()
    assert send_expiry_notices(session, PAID) == 0
    session.commit()

    [notice] = notices(session)
    trial_end = ending.created_at + TRIAL_LENGTH
    assert notice.recipient == "ada@example.com"
    assert notice.subject == expiry_notice_subject(trial_end, ENGLISH)
    assert "http://api.example.test/api/public/subscription-checkout?token=" in notice.text


def test_a_new_pass_moves_the_expiry_and_its_notice(session):
    customer = make_customer(session, age=timedelta(days=50))
    add_pass(session, customer, timedelta(days=1))
    assert send_expiry_notices(session, PAID) == 1
    grant_pass(session, customer.id, "cs_test_renewal")
    session.commit()
    assert send_expiry_notices(session, PAID) == 0
    later = utcnow() + timedelta(days=29)
    assert send_expiry_notices(session, PAID, now=later) == 1
    session.commit()
    assert len(notices(session)) == 2


def test_a_notice_given_up_on_is_written_again(session):
    make_customer(session, age=TRIAL_LENGTH - timedelta(days=1))
    assert send_expiry_notices(session, PAID) == 1
    [notice] = notices(session)
    notice.status = EmailStatus.FAILED
    session.add(notice)
    session.commit()
    assert send_expiry_notices(session, PAID) == 0
    notice.status = EmailStatus.DEAD
    session.add(notice)
    session.commit()
    assert send_expiry_notices(session, PAID) == 1
    assert send_expiry_notices(session, PAID) == 0


def test_no_notices_without_payments(session):
    make_customer(session, age=TRIAL_LENGTH - timedelta(days=1))
    assert send_expiry_notices(session, UNPAID) == 0
    assert notices(session) == []
