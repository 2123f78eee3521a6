"""A customer's channel index in the domain on both databases: which channels are theirs (live,
personal, their own, oldest first, a page at a time), and the next step of each state and of
whatever stands in the way (suspension, an email to verify, lapsed access)."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from clawscale.channels.wechat_personal.adapter import KIND, LoginStatus
from clawscale.domain.accounts.customers import Account, account_of
from clawscale.domain.channels.customer_channels import (
    NextStep,
    access_blocker,
    channel_summaries,
    count_owned_channels,
)
from clawscale.domain.channels.store import create_channel
from clawscale.models import Channel, ChannelScope, ChannelStatus, Customer
from clawscale.settings import Settings
from tests.channels.wechat import SETTINGS, signed_in_customer

PAID = SETTINGS.model_copy(update={"STRIPE_SECRET_KEY": "sk_test_domain", "STRIPE_PRICE_ID": "p"})
LAPSED = timedelta(days=31)


def account(session: Session, **made: object) -> Account:
    """A signed-in customer's account (see `signed_in_customer` for `made`)."""
    return account_of(session, signed_in_customer(session, **made).identity)


def add_channel(
    session: Session,
    owner: Customer,
    status: ChannelStatus,
    *,
    kind: str = KIND,
    config: dict[str, str] | None = None,
    scope: ChannelScope = ChannelScope.PERSONAL,
) -> Channel:
    """A channel of `owner` in `status`."""
    channel = create_channel(
        session,
        SETTINGS,
        kind,
        scope,
        name="Personal WeChat",
        owner_customer_id=owner.id,
        status=status,
        config=config,
    )
    session.commit()
    return channel


def steps(session: Session, owner: Account, settings: Settings = SETTINGS) -> list[NextStep]:
    """The next step of each of the customer's channels, in the index's order."""
    blocker = access_blocker(session, settings, owner)
    rows = channel_summaries(session, settings, owner.customer.id, blocker, 10, 0)
    return [row.next_step for row in rows]


def test_a_new_customer_has_no_channel_and_nothing_in_the_way(session):
    owner = account(session)

    assert count_owned_channels(session, owner.customer.id) == 0
    assert channel_summaries(session, SETTINGS, owner.customer.id, None, 10, 0) == []
    assert access_blocker(session, PAID, owner) is None


@pytest.mark.parametrize(
    ("status", "config", "step"),
    [
        (ChannelStatus.PENDING, {}, NextStep.CONNECT),
        (
            ChannelStatus.PENDING,
            {"login_status": LoginStatus.WAIT, "qrcode": "q"},
            NextStep.FINISH_LOGIN,
        ),
        (
            ChannelStatus.PENDING,
            {"login_status": LoginStatus.SCANNED, "qrcode": "q"},
            NextStep.FINISH_LOGIN,
        ),
        (ChannelStatus.PENDING, {"login_status": LoginStatus.EXPIRED}, NextStep.CONNECT),
        (ChannelStatus.CONNECTED, {"ilink_bot_id": "ada@im.bot"}, NextStep.MANAGE),
        (ChannelStatus.DISCONNECTED, {}, NextStep.RECONNECT),
        (ChannelStatus.ERROR, {}, NextStep.RECONNECT),
    ],
)
def test_each_state_has_its_next_step(session, status, config, step):
    owner = account(session)
    add_channel(session, owner.customer, status, config=config)

    [summary] = channel_summaries(session, SETTINGS, owner.customer.id, None, 10, 0)

    assert summary.next_step is step
    assert summary.view.status == status
    assert summary.kind == KIND


def test_a_connected_channel_shows_its_account_and_never_its_token(session):
    owner = account(session)
    channel = create_channel(
        session,
        SETTINGS,
        KIND,
        ChannelScope.PERSONAL,
        owner_customer_id=owner.customer.id,
        status=ChannelStatus.CONNECTED,
        config={"ilink_bot_id": "ada@im.bot"},
        secrets={"bot_token": "secret-token"},
    )
    session.commit()

    [summary] = channel_summaries(session, SETTINGS, owner.customer.id, None, 10, 0)

    assert summary.view.channel_id == channel.id
    assert summary.view.ilink_bot_id == "ada@im.bot"
    assert "secret-token" not in repr(summary)


@pytest.mark.parametrize(
    ("made", "settings", "blocker"),
    [
        ({"verified": False}, PAID, NextStep.VERIFY_EMAIL),
        ({"age": LAPSED}, PAID, NextStep.RENEW),
        ({"age": LAPSED, "verified": False}, PAID, NextStep.VERIFY_EMAIL),
        ({"age": LAPSED}, SETTINGS, None),
    ],
)
def test_what_stands_in_the_way_comes_before_any_channels_own_step(
    session, made, settings, blocker
):
    owner = account(session, **made)
    add_channel(session, owner.customer, ChannelStatus.CONNECTED)

    assert access_blocker(session, settings, owner) is blocker
    assert steps(session, owner, settings) == [blocker or NextStep.MANAGE]


def test_a_suspended_customer_is_told_so_first(session):
    owner = account(session, verified=False, age=LAPSED)
    owner.customer.suspended = True
    session.add(owner.customer)
    session.commit()
    add_channel(session, owner.customer, ChannelStatus.DISCONNECTED)

    assert access_blocker(session, PAID, owner) is NextStep.SUSPENDED
    assert steps(session, owner, PAID) == [NextStep.SUSPENDED]


def test_only_the_customers_own_live_personal_channels_oldest_first_a_page_at_a_time(session):
    owner = account(session)
    add_channel(session, owner.customer, ChannelStatus.ARCHIVED)
    kept = [
        add_channel(session, owner.customer, ChannelStatus.CONNECTED, kind=kind)
        for kind in (KIND, "kind_b", "kind_c")
    ]
    add_channel(
        session, owner.customer, ChannelStatus.CONNECTED, kind="kind_d", scope=ChannelScope.SHARED
    )
    add_channel(session, account(session, name="Bob").customer, ChannelStatus.CONNECTED)

    first = channel_summaries(session, SETTINGS, owner.customer.id, None, 2, 0)
    rest = channel_summaries(session, SETTINGS, owner.customer.id, None, 2, 2)

    assert count_owned_channels(session, owner.customer.id) == 3
    assert [row.view.channel_id for row in first + rest] == [channel.id for channel in kept]
    assert len(first) == 2
