"""`/dev/mailbox` (development only): the emails kept instead of sent, with clickable links.

Only in development: every handler checks the environment, since a state's events can be sent
even where its page is not registered."""

import re
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.layout import DEV_MAILBOX_ROUTE
from clawscale.components.shell import page_shell
from clawscale.components.translated import local_time, t
from clawscale.domain.mail.queue import kept_emails
from clawscale.i18n.catalogs import N_
from clawscale.models import EmailMessage
from clawscale.settings import Environment, Settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState

PAGE_SIZE = 10
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@dataclass(frozen=True)
class TextPart:
    """A run of an email's text; `href` is set when the run is a link."""

    text: str
    href: str = ""


@dataclass(frozen=True)
class KeptEmail:
    """One kept email as the mailbox shows it; `kept_at` is ISO 8601 (UTC)."""

    id: str
    recipient: str
    subject: str
    kept_at: str
    parts: list[TextPart]


def text_parts(text: str) -> list[TextPart]:
    """The text split into plain runs and links."""
    parts: list[TextPart] = []
    position = 0
    for match in LINK.finditer(text):
        if match.start() > position:
            parts.append(TextPart(text[position : match.start()]))
        parts.append(TextPart(match.group(), href=match.group()))
        position = match.end()
    if position < len(text):
        parts.append(TextPart(text[position:]))
    return parts


def _shown(message: EmailMessage) -> KeptEmail:
    return KeptEmail(
        id=message.id,
        recipient=message.recipient,
        subject=message.subject,
        kept_at=message.created_at.isoformat(),
        parts=text_parts(message.text),
    )


def kept_page(db: Session, settings: Settings, offset: int) -> tuple[list[KeptEmail], bool]:
    """One page of kept emails from `offset`, and whether more follow (nothing outside
    development)."""
    if settings.CLAWSCALE_ENV is not Environment.DEVELOPMENT:
        return [], False
    messages = kept_emails(db, limit=PAGE_SIZE + 1, offset=offset)
    return [_shown(message) for message in messages[:PAGE_SIZE]], len(messages) > PAGE_SIZE


class MailboxState(rx.State):
    """The kept emails shown so far."""

    emails: list[KeptEmail] = rx.field(default_factory=list)
    has_more: bool = False
    loading: bool = False

    async def _fetch(self, offset: int) -> list[KeptEmail]:
        self.loading = True
        emails, self.has_more = await run_domain(
            lambda db, settings: kept_page(db, settings, offset)
        )
        self.loading = False
        return emails

    @rx.event
    async def refresh(self) -> None:
        """On load, and on request: the newest page."""
        self.emails = await self._fetch(0)

    @rx.event
    async def load_more(self) -> None:
        """The next page (skipping any email already shown, if new ones arrived meanwhile)."""
        shown = {email.id for email in self.emails}
        more = await self._fetch(len(self.emails))
        self.emails = self.emails + [email for email in more if email.id not in shown]


SPEC = PageSpec(
    DEV_MAILBOX_ROUTE,
    N_("Development mailbox"),
    N_(
        "Emails the gateway kept instead of sending, because no RESEND_API_KEY is set. "
        "Newest first."
    ),
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
                t("To"),
                " ",
                rx.text.strong(email.recipient),
                " · ",
                local_time(email.kept_at),
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
                t("Refresh"),
                on_click=MailboxState.refresh,
                loading=MailboxState.loading,
                variant="soft",
                cursor="pointer",
            ),
        ),
        rx.cond(
            MailboxState.emails,
            rx.flex(rx.foreach(MailboxState.emails, kept_email), direction="column", spacing="3"),
            rx.text(t("No emails yet."), color_scheme="gray"),
        ),
        rx.cond(
            MailboxState.has_more,
            rx.button(
                t("Load more"),
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
