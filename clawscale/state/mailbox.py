"""The development mailbox: emails kept instead of sent, newest first, a page at a time.

Only in development: every handler checks the environment, since a state's events can be sent
even where its page is not registered.
"""

import re
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from clawscale.domain.accounts.mailer import kept_emails
from clawscale.models import EmailMessage
from clawscale.settings import Environment, Settings
from clawscale.state.backend import run_domain
from clawscale.state.formatting import readable_time

PAGE_SIZE = 10
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@dataclass(frozen=True)
class TextPart:
    """A run of an email's text; `href` is set when the run is a link."""

    text: str
    href: str = ""


@dataclass(frozen=True)
class KeptEmail:
    """One kept email as the mailbox shows it."""

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
        kept_at=readable_time(message.created_at),
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
