"""Rows the personal WeChat tests build: signed-in customers and connected channels."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from clawscale.domain.accounts.sessions import issue_session
from clawscale.domain.channels.store import create_channel
from clawscale.models import (
    Channel,
    ChannelScope,
    ChannelStatus,
    ClaimStatus,
    Customer,
    Identity,
    Membership,
    SessionSubject,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from tests.fakes.ilink import Bot, FakeILink

SETTINGS = Settings(_env_file=None)


@dataclass(frozen=True)
class SignedIn:
    """A customer with one owner identity and a live session token."""

    customer: Customer
    identity: Identity
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def signed_in_customer(
    session: Session,
    *,
    verified: bool = True,
    age: timedelta = timedelta(0),
    name: str = "Ada",
) -> SignedIn:
    """A personal customer created `age` ago, its identity (active when `verified`) and a
    customer session."""
    now = utcnow()
    identity = Identity(
        email=f"{name.lower()}-{secrets.token_hex(4)}@example.com",
        display_name=name,
        claim_status=ClaimStatus.ACTIVE if verified else ClaimStatus.PENDING,
        email_verified_at=now if verified else None,
    )
    customer = Customer(display_name=name, created_at=now - age)
    session.add_all([identity, customer])
    session.flush()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    issued = issue_session(
        session, SessionSubject.CUSTOMER, identity.id, SETTINGS.CUSTOMER_JWT_SECRET
    )
    session.commit()
    return SignedIn(customer, identity, issued.token)


def connected_channel(
    session: Session,
    owner: Customer,
    ilink: FakeILink,
    bot: Bot,
    *,
    settings: Settings = SETTINGS,
) -> Channel:
    """A personal WeChat channel of `owner`, logged in as `bot` on the fake iLink (its secrets
    sealed with the key of `settings`)."""
    channel = create_channel(
        session,
        settings,
        "wechat_personal",
        ChannelScope.PERSONAL,
        name="Personal WeChat",
        owner_customer_id=owner.id,
        status=ChannelStatus.CONNECTED,
        config={
            "baseurl": ilink.url,
            "ilink_bot_id": bot.ilink_bot_id,
            "ilink_user_id": "wxid_owner",
        },
        secrets={"bot_token": bot.bot_token},
    )
    session.commit()
    return channel
