"""`/account` (signed-in only): profile, email verification, claim, access and buying more
of it, and sign-out."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, message_callout
from clawscale.pages.shell import page_shell
from clawscale.state.account import AccountState

SPEC = PageSpec(
    "/account",
    "Account",
    "Your profile, email verification and access to the gateway.",
    Section.CUSTOMER,
)


def detail(label: str, value: rx.Component | Var) -> rx.Component:
    """One labelled value of a details list."""
    return rx.data_list.item(rx.data_list.label(label, min_width="9rem"), rx.data_list.value(value))


def status_badge(good: Var[bool], good_label: str | Var, bad_label: str | Var) -> rx.Component:
    """A green or amber badge."""
    return rx.cond(
        good,
        rx.badge(good_label, color_scheme="green", variant="soft"),
        rx.badge(bad_label, color_scheme="amber", variant="soft"),
    )


def verification_banner() -> rx.Component:
    """Shown until the email is verified: where the link went, and a way to get another."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("mail")),
        rx.flex(
            rx.callout.text(
                "We sent a verification link to ",
                rx.text.strong(AccountState.email),
                ". Open it to verify your email address.",
            ),
            rx.flex(
                rx.button(
                    "Resend verification email",
                    on_click=AccountState.resend_verification,
                    loading=AccountState.resending,
                    variant="soft",
                    color_scheme="amber",
                    size="2",
                    cursor="pointer",
                ),
                rx.text(AccountState.resend_notice, size="2", role="status"),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            direction="column",
            spacing="3",
        ),
        color_scheme="amber",
        variant="surface",
    )


def section_card(title: str, *children: rx.Component) -> rx.Component:
    """A titled card of the account page."""
    return rx.card(
        rx.flex(rx.heading(title, as_="h2", size="4"), *children, direction="column", spacing="4"),
        size="3",
    )


def profile() -> rx.Component:
    """Who is signed in."""
    return section_card(
        "Profile",
        rx.data_list.root(
            detail("Name", AccountState.display_name),
            detail("Email", AccountState.email),
            detail(
                "Email verification",
                status_badge(AccountState.email_verified, "Verified", "Not verified"),
            ),
            detail("Account claim", AccountState.claim_status),
            detail("Customer ID", rx.code(AccountState.customer_id, variant="ghost")),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
    )


CHECKOUT_SUCCEEDED = (
    "Thank you — your payment went through. Your new end date shows here as soon as Stripe "
    "confirms it, usually within a few seconds; reload the page if it has not changed yet."
)
CHECKOUT_CANCELLED = "Checkout was cancelled. You have not been charged."
PAYMENTS_NOT_CONFIGURED = (
    "Payments are not configured on this gateway, so access is not limited and there is "
    "nothing to buy."
)


def checkout_banner() -> rx.Component:
    """What happened at Stripe, when Stripe has just sent the browser back here."""
    return rx.match(
        AccountState.checkout_result,
        ("success", message_callout(CHECKOUT_SUCCEEDED, "success")),
        (
            "cancelled",
            rx.callout(CHECKOUT_CANCELLED, icon="info", color_scheme="gray", role="status"),
        ),
        rx.fragment(),
    )


def buy_button() -> rx.Component:
    """Starts Stripe Checkout for 30 more days."""
    return rx.button(
        rx.icon("credit-card", size=16),
        rx.cond(AccountState.access_active, "Renew for 30 days", "Buy 30 days"),
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
                "Each purchase adds 30 days after your current access ends. You pay on "
                "Stripe's secure page.",
                size="2",
                color_scheme="gray",
            ),
            answer(AccountState.buy_error, "error"),
            direction="column",
            spacing="3",
        ),
        rx.text("Verify your email address to buy access.", size="2", color_scheme="gray"),
    )


def access_details() -> rx.Component:
    """The status of access, when it ends, and the trial's end."""
    return rx.data_list.root(
        detail(
            "Status",
            status_badge(
                AccountState.access_active,
                AccountState.access_status,
                AccountState.access_status,
            ),
        ),
        detail(rx.cond(AccountState.access_active, "Until", "Ended"), AccountState.access_until),
        detail(
            rx.cond(AccountState.trial_running, "Free trial ends", "Free trial ended"),
            AccountState.trial_until,
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def access() -> rx.Component:
    """Whether the gateway serves this account, until when, and buying more time."""
    return section_card(
        "Access",
        access_details(),
        rx.cond(
            AccountState.payments_configured,
            rx.cond(AccountState.suspended, rx.fragment(), purchase()),
            rx.callout(PAYMENTS_NOT_CONFIGURED, icon="info", color_scheme="gray"),
        ),
    )


def account_details() -> rx.Component:
    """Everything the page shows once the account is loaded."""
    return rx.flex(
        checkout_banner(),
        rx.cond(AccountState.email_verified, rx.fragment(), verification_banner()),
        profile(),
        access(),
        rx.flex(
            rx.button(
                rx.icon("log-out", size=16),
                "Sign out",
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
    return page_shell(
        SPEC,
        rx.cond(
            AccountState.loaded,
            account_details(),
            rx.flex(rx.spinner(), rx.text("Loading your account…"), spacing="3", align="center"),
        ),
    )


PAGE = SitePage(SPEC, account_page, on_load=(AccountState.load,))
