"""`/account` (signed-in only): profile, email verification, claim, access and buying more
of it, and sign-out.

"Buy 30 days" starts a Stripe Checkout session (`state/checkout.CheckoutState`); Stripe returns
the browser to `/account?checkout=success|cancelled`."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.details import detail, section_card
from clawscale.components.forms import answer, message_callout
from clawscale.components.links import button_link
from clawscale.components.shell import loaded_page
from clawscale.components.translated import chosen, local_time, t
from clawscale.domain.accounts.customers import resend_verification
from clawscale.domain.billing.access import AccessDecision, access_decision
from clawscale.domain.mail.transport import mail_reaches_people
from clawscale.i18n.catalogs import N_
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.state.backend import run_domain
from clawscale.state.checkout import BUY_ERRORS, CheckoutState
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.state.throttle import TOO_MANY_ATTEMPTS, throttled

CLAIM_STATUS_LABELS = {
    "active": N_("Active"),
    "pending": N_("Pending — verify your email to activate it"),
    "unclaimed": N_("Unclaimed"),
}
ACTIVE = N_("Active")
EXPIRED = N_("Expired")
SUSPENDED = N_("Suspended")
ACCESS_STATUSES = (ACTIVE, EXPIRED, SUSPENDED)
VERIFICATION_SENT = N_("We sent a new verification link to {email}.")
VERIFICATION_NOT_SENT = N_(
    "This gateway is not sending email at the moment, so no verification link was sent to "
    "{email}. Please ask the gateway's operator for help."
)


@dataclass(frozen=True)
class AccountDetails:
    """What the account page shows, read in one transaction."""

    display_name: str
    email: str
    email_verified: bool
    claim_status: str
    suspended: bool
    access: AccessDecision
    customer_id: str
    mail_reaches: bool

    @property
    def access_active(self) -> bool:
        """Whether paid or trial time is left (suspension aside)."""
        return not self.suspended and self.access.expires_at > utcnow()


def account_details(db: Session, settings: Settings, token: str | None) -> AccountDetails | None:
    """The signed-in customer's details; None when the session is not live."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    access = access_decision(db, settings, account.customer, shared_channel=False)
    return AccountDetails(
        display_name=account.identity.display_name,
        email=account.identity.email or "",
        email_verified=account.identity.email_verified_at is not None,
        claim_status=account.identity.claim_status,
        suspended=account.customer.suspended,
        access=access,
        customer_id=account.customer.id,
        mail_reaches=mail_reaches_people(settings),
    )


def mail_new_verification(db: Session, settings: Settings, token: str | None) -> str:
    """Mail a new verification link to the signed-in, unverified customer; the address."""
    account = signed_in_account(db, settings, token)
    if account is None or not account.identity.email:
        return ""
    resend_verification(db, settings, account.identity.email)
    return account.identity.email


class AccountState(CheckoutState, CustomerSessionState):
    """The signed-in customer's account, loaded afresh on each visit."""

    loaded: bool = False
    display_name: str = ""
    email: str = ""
    email_verified: bool = False
    claim_status: str = ""
    access_status: str = ""
    access_active: bool = False
    access_until: str = ""
    """When access ends (or ended), ISO 8601 in UTC."""
    trial_until: str = ""
    """When the free trial ends (or ended), ISO 8601 in UTC."""
    trial_running: bool = False
    suspended: bool = False
    payments_configured: bool = False
    customer_id: str = ""
    resend_notice: str = ""
    """`VERIFICATION_SENT` or `TOO_MANY_ATTEMPTS` once asked (message ids), else ""."""
    resending: bool = False
    mail_reaches: bool = True
    """Whether mail reaches people (sent, or kept for the development mailbox in development);
    otherwise the page says no link was sent."""

    def _show(self, details: AccountDetails) -> None:
        self.display_name = details.display_name
        self.email = details.email
        self.email_verified = details.email_verified
        self.claim_status = CLAIM_STATUS_LABELS.get(details.claim_status, details.claim_status)
        self.access_active = details.access_active
        if details.suspended:
            self.access_status = SUSPENDED
        else:
            self.access_status = ACTIVE if details.access_active else EXPIRED
        self.access_until = details.access.expires_at.isoformat()
        self.trial_until = details.access.trial_ends_at.isoformat()
        self.trial_running = details.access.trial_ends_at > utcnow()
        self.suspended = details.suspended
        self.payments_configured = details.access.payments_configured
        self.customer_id = details.customer_id
        self.mail_reaches = details.mail_reaches
        self.loaded = True

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: the account of the cookie's session, or off to sign in."""
        token = self._session_token()
        details = await run_domain(lambda db, settings: account_details(db, settings, token))
        self.session_checked = True
        self.signed_in = details is not None
        self.resend_notice = ""
        self._arrive_from_checkout()
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
        if message := throttled("resend-verification", self.router, self.email):
            self.resend_notice = message
        else:
            token = self._session_token()
            email = await run_domain(
                lambda db, settings: mail_new_verification(db, settings, token)
            )
            self.resend_notice = VERIFICATION_SENT if email else ""
        self.resending = False


SPEC = PageSpec(
    "/account",
    N_("Account"),
    N_("Your profile, email verification and access to the gateway."),
    Section.CUSTOMER,
)


def status_badge(good: Var[bool], good_label: Var[str], bad_label: Var[str]) -> rx.Component:
    """A green or amber badge."""
    return rx.cond(
        good,
        rx.badge(good_label, color_scheme="green", variant="soft"),
        rx.badge(bad_label, color_scheme="amber", variant="soft"),
    )


def resend_notice() -> rx.Component:
    """What became of asking for another verification email."""
    notice = rx.match(
        AccountState.resend_notice,
        (VERIFICATION_SENT, t(VERIFICATION_SENT, email=AccountState.email)),
        (TOO_MANY_ATTEMPTS, t(TOO_MANY_ATTEMPTS)),
        "",
    )
    return rx.text(notice, size="2", role="status")


def link_sent() -> rx.Component:
    """Where the link went, and a way to get another."""
    return rx.flex(
        rx.callout.text(
            t(
                "We sent a verification link to {email}. Open it to verify your email address.",
                email=AccountState.email,
            ),
            word_break="break-word",
        ),
        rx.flex(
            rx.button(
                t("Resend verification email"),
                on_click=AccountState.resend_verification,
                loading=AccountState.resending,
                variant="soft",
                color_scheme="amber",
                size="2",
                cursor="pointer",
            ),
            resend_notice(),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        direction="column",
        spacing="3",
    )


def verification_banner() -> rx.Component:
    """Shown until the email is verified: where the link went and a way to get another, or,
    when the gateway sends no mail, that no link was sent."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("mail")),
        rx.cond(
            AccountState.mail_reaches,
            link_sent(),
            rx.callout.text(
                t(VERIFICATION_NOT_SENT, email=AccountState.email), word_break="break-word"
            ),
        ),
        color_scheme="amber",
        variant="surface",
    )


def profile() -> rx.Component:
    """Who is signed in."""
    return section_card(
        t("Profile"),
        rx.data_list.root(
            detail(t("Name"), AccountState.display_name),
            detail(t("Email"), AccountState.email),
            detail(
                t("Email verification"),
                status_badge(AccountState.email_verified, t("Verified"), t("Not verified")),
            ),
            detail(
                t("Account claim"),
                chosen(AccountState.claim_status, CLAIM_STATUS_LABELS.values()),
            ),
            detail(t("Customer ID"), rx.code(AccountState.customer_id, variant="ghost")),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
    )


CHECKOUT_SUCCEEDED = N_(
    "Thank you — your payment went through. Your new end date shows here as soon as Stripe "
    "confirms it, usually within a few seconds; reload the page if it has not changed yet."
)
CHECKOUT_CANCELLED = N_("Checkout was cancelled. You have not been charged.")
CALENDAR_IMPORT_TEXT = N_(
    "Send the events of your Google Calendar to your agent, which reminds you of them in chat."
)
PAYMENTS_NOT_CONFIGURED = N_(
    "Payments are not configured on this gateway, so access is not limited and there is "
    "nothing to buy."
)


def checkout_banner() -> rx.Component:
    """What happened at Stripe, when Stripe has just sent the browser back here."""
    return rx.match(
        AccountState.checkout_result,
        ("success", message_callout(t(CHECKOUT_SUCCEEDED), "success")),
        (
            "cancelled",
            rx.callout(t(CHECKOUT_CANCELLED), icon="info", color_scheme="gray", role="status"),
        ),
        rx.fragment(),
    )


def buy_button() -> rx.Component:
    """Starts Stripe Checkout for 30 more days."""
    return rx.button(
        rx.icon("credit-card", size=16),
        rx.cond(AccountState.access_active, t("Renew for 30 days"), t("Buy 30 days")),
        on_click=AccountState.buy_access,
        loading=AccountState.buying,
        size="3",
        cursor="pointer",
    )


def purchase() -> rx.Component:
    """Buying access: the button, or why there is none."""
    return rx.cond(
        AccountState.email_verified,
        rx.flex(
            rx.flex(buy_button(), wrap="wrap", spacing="3"),
            rx.text(
                t(
                    "Each purchase adds 30 days after your current access ends. You pay on "
                    "Stripe's secure page."
                ),
                size="2",
                color_scheme="gray",
            ),
            answer(chosen(AccountState.buy_error, BUY_ERRORS), "error"),
            direction="column",
            spacing="3",
        ),
        rx.text(t("Verify your email address to buy access."), size="2", color_scheme="gray"),
    )


def access_details() -> rx.Component:
    """The status of access, when it ends, and the trial's end."""
    status = chosen(AccountState.access_status, ACCESS_STATUSES)
    return rx.data_list.root(
        detail(t("Status"), status_badge(AccountState.access_active, status, status)),
        detail(
            rx.cond(AccountState.access_active, t("Until"), t("Ended")),
            local_time(AccountState.access_until),
        ),
        detail(
            rx.cond(AccountState.trial_running, t("Free trial ends"), t("Free trial ended")),
            local_time(AccountState.trial_until),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def access() -> rx.Component:
    """Whether the gateway serves this account, until when, and buying more time."""
    return section_card(
        t("Access"),
        access_details(),
        rx.cond(
            AccountState.payments_configured,
            rx.cond(AccountState.suspended, rx.fragment(), purchase()),
            rx.callout(t(PAYMENTS_NOT_CONFIGURED), icon="info", color_scheme="gray"),
        ),
    )


def calendar() -> rx.Component:
    """The way to the Google Calendar import."""
    return section_card(
        t("Google Calendar"),
        rx.text(t(CALENDAR_IMPORT_TEXT), size="3", color_scheme="gray"),
        rx.flex(
            button_link(t("Import Google Calendar"), "/account/calendar-import", variant="soft"),
            wrap="wrap",
        ),
    )


def account_details_card() -> rx.Component:
    """Everything the page shows once the account is loaded."""
    return rx.flex(
        checkout_banner(),
        rx.cond(AccountState.email_verified, rx.fragment(), verification_banner()),
        profile(),
        access(),
        calendar(),
        rx.flex(
            rx.button(
                rx.icon("log-out", size=16),
                t("Sign out"),
                on_click=AccountState.sign_out,
                variant="outline",
                color_scheme="gray",
                size="3",
                cursor="pointer",
            ),
        ),
        direction="column",
        spacing="5",
    )


def account_page() -> rx.Component:
    """The account, once loaded."""
    return loaded_page(
        SPEC, AccountState.loaded, account_details_card(), t("Loading your account…")
    )


PAGE = SitePage(SPEC, account_page, on_load=(AccountState.load,))
