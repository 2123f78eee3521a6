"""`/account` (signed-in only): profile, email verification, claim, access, and sign-out."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.catalogue import PageSpec, Section, SitePage
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


def access() -> rx.Component:
    """Whether the gateway serves this account, and until when."""
    return section_card(
        "Access",
        rx.data_list.root(
            detail(
                "Status",
                status_badge(
                    AccountState.access_active,
                    AccountState.access_status,
                    AccountState.access_status,
                ),
            ),
            detail(
                rx.cond(AccountState.access_active, "Until", "Ended"), AccountState.access_until
            ),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
    )


def account_details() -> rx.Component:
    """Everything the page shows once the account is loaded."""
    return rx.flex(
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
