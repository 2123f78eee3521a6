"""A customer's subscription in the domain on both databases: where access stands (trial, a
paid pass, lapsed, suspended, not limited), whether they may buy, the payment history newest
first a page at a time, and the charge a paid Checkout session leaves on its pass."""

import secrets
from datetime import timedelta

import pytest
from sqlmodel import Session

from clawscale.domain.accounts.customers import Account
from clawscale.domain.billing.access import PASS_LENGTH, TRIAL_LENGTH
from clawscale.domain.billing.checkout import EventOutcome, apply_event, session_charge
from clawscale.domain.billing.subscription import (
    Standing,
    count_payments,
    payments,
    subscription,
)
from clawscale.models import (
    AccessPass,
    ClaimStatus,
    Customer,
    Identity,
    Membership,
    MembershipRole,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings

PAID = Settings(_env_file=None, STRIPE_SECRET_KEY="sk_test_domain", STRIPE_PRICE_ID="price_domain")
UNPAID = Settings(_env_file=None, STRIPE_SECRET_KEY="", STRIPE_PRICE_ID="")
LAPSED = timedelta(days=31)


def make_account(
    session: Session,
    *,
    age: timedelta = timedelta(0),
    verified: bool = True,
    suspended: bool = False,
) -> Account:
    """A customer created `age` ago with one owner identity (verified or not)."""
    identity = Identity(
        email=f"ada-{secrets.token_hex(4)}@example.com",
        claim_status=ClaimStatus.ACTIVE if verified else ClaimStatus.PENDING,
        email_verified_at=utcnow() if verified else None,
    )
    customer = Customer(display_name="Ada", created_at=utcnow() - age, suspended=suspended)
    session.add_all([identity, customer])
    session.flush()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()
    return Account(identity, customer, MembershipRole.OWNER)


def add_pass(
    session: Session,
    customer: Customer,
    *,
    bought_ago: timedelta,
    expires_in: timedelta,
    amount: int | None = 900,
) -> AccessPass:
    """A pass bought `bought_ago`, ending `expires_in` from now."""
    expires_at = utcnow() + expires_in
    row = AccessPass(
        customer_id=customer.id,
        stripe_checkout_session_id=f"cs_test_{secrets.token_hex(8)}",
        starts_at=expires_at - PASS_LENGTH,
        expires_at=expires_at,
        amount_total=amount,
        currency="usd" if amount is not None else None,
        created_at=utcnow() - bought_ago,
    )
    session.add(row)
    session.commit()
    return row


def test_a_new_customer_is_in_their_trial(session):
    account = make_account(session)

    now = subscription(session, PAID, account)

    assert now.standing is Standing.TRIAL
    assert now.trial_ends_at == account.customer.created_at + TRIAL_LENGTH
    assert now.access_ends_at == now.trial_ends_at
    assert now.can_buy


def test_a_pass_bought_during_the_trial_ends_after_it(session):
    account = make_account(session, age=timedelta(days=20))
    later = add_pass(
        session,
        account.customer,
        bought_ago=timedelta(hours=1),
        expires_in=PASS_LENGTH + timedelta(days=10),
    )

    now = subscription(session, PAID, account)

    assert now.standing is Standing.TRIAL
    assert now.access_ends_at == later.expires_at


def test_after_the_trial_a_current_pass_is_paid_access(session):
    account = make_account(session, age=LAPSED)
    current = add_pass(
        session, account.customer, bought_ago=timedelta(days=3), expires_in=timedelta(days=27)
    )

    now = subscription(session, PAID, account)

    assert now.standing is Standing.PASS
    assert now.access_ends_at == current.expires_at


def test_with_no_time_left_access_has_lapsed(session):
    account = make_account(session, age=LAPSED)
    add_pass(
        session, account.customer, bought_ago=timedelta(days=40), expires_in=-timedelta(days=2)
    )

    now = subscription(session, PAID, account)

    assert now.standing is Standing.LAPSED
    assert now.access_ends_at < utcnow()
    assert now.can_buy


def test_a_suspended_customer_is_suspended_and_may_not_buy(session):
    account = make_account(session, suspended=True)

    now = subscription(session, PAID, account)

    assert now.standing is Standing.SUSPENDED
    assert not now.can_buy


def test_without_payments_access_is_not_limited_and_nothing_is_sold(session):
    account = make_account(session, age=LAPSED)

    now = subscription(session, UNPAID, account)

    assert now.standing is Standing.UNLIMITED
    assert not now.payments_configured
    assert not now.can_buy


def test_an_unverified_customer_may_not_buy(session):
    account = make_account(session, verified=False)

    now = subscription(session, PAID, account)

    assert not now.email_verified
    assert not now.can_buy


def test_the_payment_history_is_the_customers_own_newest_first_a_page_at_a_time(session):
    account = make_account(session, age=timedelta(days=120))
    bought = [
        add_pass(
            session,
            account.customer,
            bought_ago=timedelta(days=days),
            expires_in=timedelta(days=30 - days),
        )
        for days in (90, 60, 30, 1)
    ]
    other = make_account(session)
    add_pass(session, other.customer, bought_ago=timedelta(0), expires_in=PASS_LENGTH)

    first = payments(session, account.customer.id, limit=3, offset=0)
    rest = payments(session, account.customer.id, limit=3, offset=3)

    assert count_payments(session, account.customer.id) == 4
    newest_first = [row.id for row in reversed(bought)]
    assert [row.id for row in first + rest] == newest_first
    assert len(first) == 3
    assert payments(session, make_account(session).customer.id, limit=3, offset=0) == []


def paid_event(customer_id: str, **session_fields: object) -> dict:
    """A `checkout.session.completed` event of a paid session for `customer_id`."""
    checkout_session = {
        "id": f"cs_test_{secrets.token_hex(8)}",
        "object": "checkout.session",
        "client_reference_id": customer_id,
        "metadata": {"customer_id": customer_id},
        "payment_status": "paid",
        "customer_details": {"email": "ada@example.com"},
        **session_fields,
    }
    return {
        "id": f"evt_{secrets.token_hex(8)}",
        "type": "checkout.session.completed",
        "data": {"object": checkout_session},
    }


def test_a_paid_session_keeps_what_it_cost_on_its_pass(session):
    account = make_account(session)
    event = paid_event(account.customer.id, amount_total=1500, currency="EUR")

    assert apply_event(session, PAID, event) is EventOutcome.CREDITED
    session.commit()

    [row] = payments(session, account.customer.id, limit=5, offset=0)
    assert (row.amount_total, row.currency) == (1500, "eur")


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"amount_total": None, "currency": "usd"},
        {"amount_total": 900, "currency": "dollars"},
        {"amount_total": True, "currency": "usd"},
        {"amount_total": -1, "currency": "usd"},
    ],
)
def test_a_session_that_does_not_say_what_it_cost_leaves_the_charge_unknown(session, fields):
    assert session_charge({"id": "cs_test", **fields}) is None
    account = make_account(session)

    apply_event(session, PAID, paid_event(account.customer.id, **fields))
    session.commit()

    [row] = payments(session, account.customer.id, limit=5, offset=0)
    assert (row.amount_total, row.currency) == (None, None)
