"""Writes transactional email: a letter is paragraphs and links, in the recipient's language,
as text and as HTML (escaped, the `<html lang>` its language's), each link on a line of its own
so the text keeps it whole. Letters are queued (`domain/mail/queue.queue_mail`) and sent by the
mail worker.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from sqlmodel import Session

from clawscale.domain.mail.queue import queue_mail
from clawscale.i18n.locales import HTML_LANGS
from clawscale.models import EmailMessage
from clawscale.settings import Settings


@dataclass(frozen=True)
class Link:
    """A link in a letter, on a line of its own."""

    url: str


Part = str | Link


def letter_text(parts: Sequence[Part]) -> str:
    """The plain text of a letter: its parts as paragraphs."""
    return "\n\n".join(part.url if isinstance(part, Link) else part for part in parts) + "\n"


def _html_paragraph(part: Part) -> str:
    if isinstance(part, Link):
        url = escape(part.url)
        return f'<p><a href="{url}">{url}</a></p>'
    return f"<p>{escape(part)}</p>"


def letter_html(locale: str, subject: str, parts: Sequence[Part]) -> str:
    """The HTML of a letter in `locale`: its parts as escaped paragraphs, links clickable."""
    body = "".join(_html_paragraph(part) for part in parts)
    return (
        f'<!doctype html><html lang="{HTML_LANGS[locale]}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>{body}</body></html>"
    )


def send_letter(
    db: Session,
    settings: Settings,
    recipient: str,
    locale: str,
    subject: str,
    parts: Sequence[Part],
) -> EmailMessage:
    """Queue a letter written in `locale` (subject and parts already in it)."""
    return queue_mail(
        db,
        settings,
        recipient,
        subject,
        letter_text(parts),
        letter_html(locale, subject, parts),
    )
