"""`/account/subscription` (signed-in only): the customer's access to the gateway. Where it
stands (the free trial, paid access, lapsed, suspended; not limited when payments are not
configured) and when the trial and the paid time end; buying or renewing 30 days through Stripe
Checkout (`state/checkout.CheckoutState`, which brings the browser back here with
`?checkout=success|cancelled`); and the payment history, the passes bought, newest first and a
page at a time, each with its amount and dates as the page's language writes them.

The page reads everything again every few seconds while it is open (`LiveState`), so a payment
shows as soon as Stripe confirms it."""

from dataclasses import dataclass
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.details import section_card
from clawscale.components.forms import answer, message_callout
from clawscale.components.links import button_link
from clawscale.components.money import local_money
from clawscale.components.paging import pager
from clawscale.components.shell import loaded_page
from clawscale.components.translated import chosen, local_time, t, table_time
from clawscale.domain.billing.subscription import (
    Standing,
    Subscription,
    count_payments,
    payments,
    subscription,
)
from clawscale.i18n.catalogs import N_
from clawscale.models import AccessPass
from clawscale.settings import Settings
from clawscale.state.admin.pagination import PAGE_SIZE, PaginationState, TablePage, page_offset
from clawscale.state.backend import DomainWork
from clawscale.state.checkout import BUY_ERRORS, CheckoutState
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.state.live import LiveState
from clawscale.web_links import ACCOUNT_PATH, SUBSCRIPTION_PATH


@dataclass(frozen=True)
class PaymentItem:
    """One pass bought, as the history shows it: ISO times, the amount in the currency's
    smallest unit, and the currency's code ("" when unknown)."""

    id: str
    paid_at: str
    amount: int
    currency: str
    starts_at: str
    ends_at: str


@dataclass(frozen=True)
class SubscriptionRead:
    """What the page shows: the customer's access now and a page of their payments."""

    subscription: Subscription
    page: TablePage[PaymentItem]


def payment_item(row: AccessPass) -> PaymentItem:
    """A pass as the history's row."""
    return PaymentItem(
        id=row.id,
        paid_at=row.created_at.isoformat(),
        amount=row.amount_total or 0,
        currency=row.currency or "",
        starts_at=row.starts_at.isoformat(),
        ends_at=row.expires_at.isoformat(),
    )


def subscription_read(
    db: Session, settings: Settings, token: str | None, offset: int
) -> SubscriptionRead | None:
    """The signed-in customer's access and their payments at `offset` (snapped to a page that
    exists); None when the session is not live."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    customer_id = account.customer.id
    total = count_payments(db, customer_id)
    start = page_offset(offset, total)
    rows = [payment_item(row) for row in payments(db, customer_id, PAGE_SIZE, start)]
    return SubscriptionRead(subscription(db, settings, account), TablePage(rows, start, total))


class SubscriptionState(CheckoutState, LiveState, PaginationState, CustomerSessionState):
    """The customer's access and payment history, read on load, on paging and every few
    seconds; buying more returns here."""

    CHECKOUT_RETURN_PATH: ClassVar[str] = SUBSCRIPTION_PATH

    rows: list[PaymentItem] = rx.field(default_factory=list)
    loaded: bool = False
    standing: str = ""
    """A `Standing` value."""
    trial_ends: str = ""
    """When the free trial ends (or ended), ISO 8601 in UTC."""
    access_ends: str = ""
    """When access ends (or ended), ISO 8601 in UTC."""
    paid_after_trial: bool = False
    payments_configured: bool = False
    email_verified: bool = False
    can_buy: bool = False

    def _show(self, now: Subscription) -> None:
        self.standing = now.standing
        self.trial_ends = now.trial_ends_at.isoformat()
        self.access_ends = now.access_ends_at.isoformat()
        self.paid_after_trial = now.access_ends_at > now.trial_ends_at
        self.payments_configured = now.payments_configured
        self.email_verified = now.email_verified
        self.can_buy = now.can_buy

    def _reading(self) -> DomainWork[SubscriptionRead | None]:
        token, offset = self._session_token(), self.offset
        return lambda db, settings: subscription_read(db, settings, token, offset)

    def _show_read(self, found: Any) -> EventSpec | None:
        redirect = self._found_for_customer(found)
        if redirect is None:
            self._show(found.subscription)
            self._show_rows(found.page)
        return redirect

    async def _load_page(self) -> EventSpec | None:
        return await self._read_again()

    @rx.var
    def access_active(self) -> bool:
        """Whether trial or paid time is left now."""
        return self.standing in (Standing.TRIAL, Standing.PASS)

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: the customer's access and newest payments, or off to sign in."""
        self.offset = 0
        self._arrive_from_checkout()
        return await self._read_again()


SPEC = PageSpec(
    SUBSCRIPTION_PATH,
    N_("Billing"),
    N_("Your access to the gateway: the free trial, buying 30 days at a time, and your payments."),
    Section.CUSTOMER,
)

CHECKOUT_SUCCEEDED = N_(
    "Thank you — your payment went through. It shows here as soon as Stripe confirms it, "
    "usually within a few seconds."
)
CHECKOUT_CANCELLED = N_("Checkout was cancelled. You have not been charged.")
STANDING_BADGES: dict[str, tuple[str, str]] = {
    Standing.TRIAL: (N_("Free trial"), "indigo"),
    Standing.PASS: (N_("Paid access"), "green"),
    Standing.LAPSED: (N_("Lapsed"), "amber"),
    Standing.SUSPENDED: (N_("Suspended"), "red"),
    Standing.UNLIMITED: (N_("Not limited"), "gray"),
}
SUSPENDED_TEXT = N_("This account is suspended, so your agent does not answer messages.")
NOT_LIMITED_TEXT = N_(
    "Payments are not configured on this gateway, so access is not limited and there is "
    "nothing to buy."
)


def checkout_banner() -> rx.Component:
    """How Checkout ended, when Stripe has just sent the browser back here."""
    return rx.match(
        SubscriptionState.checkout_result,
        ("success", message_callout(t(CHECKOUT_SUCCEEDED), "success")),
        (
            "cancelled",
            rx.callout(t(CHECKOUT_CANCELLED), icon="info", color_scheme="gray", role="status"),
        ),
        rx.fragment(),
    )


def standing_badge() -> rx.Component:
    """Where access stands, as a coloured badge."""
    badges = [
        (str(code), rx.badge(t(label), color_scheme=color, variant="soft", size="2"))
        for code, (label, color) in STANDING_BADGES.items()
    ]
    return rx.match(SubscriptionState.standing, *badges, rx.fragment())


def sentence(text: Var[str]) -> rx.Component:
    """One line about the customer's access."""
    return rx.text(text, as_="p", size="3")


def trial_ends() -> rx.Component:
    """When the free trial ends, and the paid time bought to follow it."""
    return rx.fragment(
        sentence(
            t("Your free trial ends on {date}.", date=local_time(SubscriptionState.trial_ends))
        ),
        rx.cond(
            SubscriptionState.paid_after_trial,
            sentence(
                t(
                    "Then your paid access runs until {date}.",
                    date=local_time(SubscriptionState.access_ends),
                )
            ),
            rx.fragment(),
        ),
    )


def standing_words() -> rx.Component:
    """Where access stands in words, with the dates it runs to (or ran to)."""
    access_ends = local_time(SubscriptionState.access_ends)
    return rx.match(
        SubscriptionState.standing,
        (Standing.TRIAL.value, trial_ends()),
        (Standing.PASS.value, sentence(t("Your paid access runs until {date}.", date=access_ends))),
        (
            Standing.LAPSED.value,
            sentence(
                t(
                    "Your access ended on {date}. Messages to your agent wait until you renew.",
                    date=access_ends,
                )
            ),
        ),
        (Standing.SUSPENDED.value, sentence(t(SUSPENDED_TEXT))),
        (
            Standing.UNLIMITED.value,
            rx.callout(t(NOT_LIMITED_TEXT), icon="info", color_scheme="gray"),
        ),
        rx.fragment(),
    )


def purchase() -> rx.Component:
    """Buying 30 days: the button and how it works, or what to do first."""
    buy = rx.button(
        rx.icon("credit-card", size=16),
        rx.cond(SubscriptionState.access_active, t("Renew for 30 days"), t("Buy 30 days")),
        on_click=SubscriptionState.buy_access,
        loading=SubscriptionState.buying,
        size="3",
        cursor="pointer",
    )
    verify_first = rx.flex(
        rx.text(t("Verify your email address to buy access."), size="2", color_scheme="gray"),
        rx.flex(button_link(t("Go to your account"), ACCOUNT_PATH, variant="soft")),
        direction="column",
        spacing="3",
    )
    return rx.cond(
        SubscriptionState.can_buy,
        rx.flex(
            rx.flex(buy, wrap="wrap"),
            rx.text(
                t(
                    "Each purchase adds 30 days after your current access ends. You pay on "
                    "Stripe's secure page."
                ),
                size="2",
                color_scheme="gray",
            ),
            answer(chosen(SubscriptionState.buy_error, BUY_ERRORS), "error"),
            direction="column",
            spacing="3",
        ),
        rx.cond(
            SubscriptionState.payments_configured
            & ~SubscriptionState.email_verified
            & (SubscriptionState.standing != Standing.SUSPENDED.value),
            verify_first,
            rx.fragment(),
        ),
    )


def access_card() -> rx.Component:
    """Where access stands, until when, and buying more."""
    return section_card(
        t("Access"),
        rx.flex(standing_badge()),
        standing_words(),
        purchase(),
    )


def payment_row(row: Var[PaymentItem]) -> rx.Component:
    """One payment: how much and when, and the 30 days it bought."""
    amount = rx.cond(row.currency != "", local_money(row.amount, row.currency), "—")
    period = t("{start} to {end}", start=table_time(row.starts_at), end=table_time(row.ends_at))
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(amount, weight="medium"),
                rx.text(
                    table_time(row.paid_at), size="1", color_scheme="gray", white_space="nowrap"
                ),
                direction="column",
                spacing="1",
            )
        ),
        rx.table.cell(period),
    )


def payment_table() -> rx.Component:
    """The payments of this page, newest first."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(t("Payment")),
                rx.table.column_header_cell(t("Access bought")),
            )
        ),
        rx.table.body(rx.foreach(SubscriptionState.rows, payment_row)),
        variant="surface",
        size="2",
        width="100%",
    )


def history_card() -> rx.Component:
    """The payment history, a page at a time, or a word that there is none yet."""
    return section_card(
        t("Payment history"),
        rx.cond(
            SubscriptionState.total > 0,
            rx.flex(
                payment_table(),
                pager(SubscriptionState, SubscriptionState.rows.length()),
                direction="column",
                spacing="3",
            ),
            rx.text(t("No payments yet."), size="3", color_scheme="gray"),
        ),
    )


def subscription_content() -> rx.Component:
    """Everything the page shows once loaded; read again while shown."""
    return rx.flex(
        checkout_banner(),
        access_card(),
        history_card(),
        direction="column",
        spacing="5",
        on_mount=SubscriptionState.start,
        on_unmount=SubscriptionState.stop,
    )


def subscription_page() -> rx.Component:
    """The subscription, once loaded."""
    return loaded_page(
        SPEC, SubscriptionState.loaded, subscription_content(), t("Loading your subscription…")
    )


PAGE = SitePage(SPEC, subscription_page, on_load=(SubscriptionState.load,))
