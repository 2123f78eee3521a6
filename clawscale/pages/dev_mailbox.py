"""`/dev/mailbox` (development only): the emails kept instead of sent, with clickable links."""

import reflex as rx

from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.layout import DEV_MAILBOX_ROUTE
from clawscale.pages.shell import page_shell
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.mailbox import KeptEmail, MailboxState, TextPart

SPEC = PageSpec(
    DEV_MAILBOX_ROUTE,
    "Development mailbox",
    "Emails the gateway kept instead of sending, because no RESEND_API_KEY is set. Newest first.",
    Section.DEVELOPMENT,
)


def text_part(part: rx.Var[TextPart]) -> rx.Component:
    """A run of the email's text, or a link."""
    return rx.cond(
        part.href != "",
        rx.link(part.text, href=part.href, word_break="break-all"),
        rx.text(part.text, as_="span"),
    )


def kept_email(email: rx.Var[KeptEmail]) -> rx.Component:
    """One email: subject, recipient, time and text."""
    return rx.card(
        rx.flex(
            rx.heading(email.subject, as_="h2", size="4"),
            rx.text(
                "To ",
                rx.text.strong(email.recipient),
                " · ",
                email.kept_at,
                size="2",
                color_scheme="gray",
            ),
            rx.text(
                rx.foreach(email.parts, text_part), as_="div", size="2", white_space="pre-wrap"
            ),
            direction="column",
            spacing="2",
        ),
        size="2",
        role="article",
        aria_label=email.subject,
    )


def mailbox_page() -> rx.Component:
    """The kept emails, a page at a time."""
    return page_shell(
        SPEC,
        rx.flex(
            rx.button(
                rx.icon("refresh-cw", size=16),
                "Refresh",
                on_click=MailboxState.refresh,
                loading=MailboxState.loading,
                variant="soft",
                cursor="pointer",
            ),
        ),
        rx.cond(
            MailboxState.emails,
            rx.flex(rx.foreach(MailboxState.emails, kept_email), direction="column", spacing="3"),
            rx.text("No emails yet.", color_scheme="gray"),
        ),
        rx.cond(
            MailboxState.has_more,
            rx.button(
                "Load more",
                on_click=MailboxState.load_more,
                loading=MailboxState.loading,
                variant="outline",
                cursor="pointer",
            ),
            rx.fragment(),
        ),
    )


PAGE = SitePage(
    SPEC, mailbox_page, on_load=(CustomerSessionState.check_session, MailboxState.refresh)
)
