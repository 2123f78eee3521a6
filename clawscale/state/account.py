"""The account page: who is signed in, their verification, claim and access, and sign-out."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.access import access_summary
from clawscale.domain.customer_accounts import resend_verification
from clawscale.settings import Settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.state.formatting import readable_time
from clawscale.state.throttle import throttled

CLAIM_STATUS_LABELS = {
    "active": "Active",
    "pending": "Pending — verify your email to activate it",
    "unclaimed": "Unclaimed",
}


@dataclass(frozen=True)
class AccountDetails:
    """What the account page shows, read in one transaction."""

    display_name: str
    email: str
    email_verified: bool
    claim_status: str
    suspended: bool
    access_active: bool
    access_expires_at: datetime
    customer_id: str


def account_details(db: Session, settings: Settings, token: str | None) -> AccountDetails | None:
    """The signed-in customer's details; None when the session is not live."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    access = access_summary(db, account.customer)
    return AccountDetails(
        display_name=account.identity.display_name,
        email=account.identity.email or "",
        email_verified=account.identity.email_verified_at is not None,
        claim_status=account.identity.claim_status,
        suspended=account.customer.suspended,
        access_active=access.active,
        access_expires_at=access.expires_at,
        customer_id=account.customer.id,
    )


def mail_new_verification(db: Session, settings: Settings, token: str | None) -> str:
    """Mail a new verification link to the signed-in, unverified customer; the address."""
    account = signed_in_account(db, settings, token)
    if account is None or not account.identity.email:
        return ""
    resend_verification(db, settings, account.identity.email)
    return account.identity.email


class AccountState(CustomerSessionState):
    """The signed-in customer's account, loaded afresh on each visit."""

    loaded: bool = False
    display_name: str = ""
    email: str = ""
    email_verified: bool = False
    claim_status: str = ""
    access_status: str = ""
    access_active: bool = False
    access_until: str = ""
    customer_id: str = ""
    resend_notice: str = ""
    resending: bool = False

    def _show(self, details: AccountDetails) -> None:
        self.display_name = details.display_name
        self.email = details.email
        self.email_verified = details.email_verified
        self.claim_status = CLAIM_STATUS_LABELS.get(details.claim_status, details.claim_status)
        self.access_active = details.access_active
        if details.suspended:
            self.access_status = "Suspended"
        else:
            self.access_status = "Active" if details.access_active else "Expired"
        self.access_until = readable_time(details.access_expires_at)
        self.customer_id = details.customer_id
        self.loaded = True

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: the account of the cookie's session, or off to sign in."""
        token = self._session_token()
        details = await run_domain(lambda db, settings: account_details(db, settings, token))
        self.session_checked = True
        self.signed_in = details is not None
        self.resend_notice = ""
        if details is None:
            self.reset()
            return self._to_login()
        self._show(details)
        return None

    @rx.event
    async def resend_verification(self) -> AsyncIterator[None]:
        """Mail a new verification link to the signed-in customer's address."""
        self.resending = True
        self.resend_notice = ""
        yield None
        if message := throttled("resend-verification", self.router.session.client_ip, self.email):
            self.resend_notice = message
        else:
            token = self._session_token()
            email = await run_domain(
                lambda db, settings: mail_new_verification(db, settings, token)
            )
            self.resend_notice = f"We sent a new verification link to {email}." if email else ""
        self.resending = False
