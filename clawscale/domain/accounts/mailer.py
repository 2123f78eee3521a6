"""Sends transactional email through Resend (the `resend` SDK over httpx), and writes it: a
letter is paragraphs and links, in the recipient's language, as text and as HTML (escaped, the
`<html lang>` its language's), each link on a line of its own so the text keeps it whole.

Without RESEND_API_KEY (development) nothing leaves the machine: the message is kept in the
`email_message` table and shown on the development mailbox page. Every message is recorded.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import httpx
import resend
from resend.http_client import HTTPClient
from sqlmodel import Session, col, select

from clawscale.i18n.locales import HTML_LANGS
from clawscale.models import EmailMessage, EmailStatus
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 15


class HttpxResendClient(HTTPClient):
    """The Resend SDK's transport, on httpx like every other outgoing call."""

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json: dict[str, object] | list[object] | None = None,
        files: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        response = httpx.request(
            method, url, headers=dict(headers), json=json, timeout=SEND_TIMEOUT_SECONDS
        )
        return response.content, response.status_code, response.headers


def _send_through_resend(settings: Settings, message: EmailMessage) -> str:
    resend.api_key = settings.RESEND_API_KEY
    resend.api_url = settings.RESEND_API_BASE_URL.rstrip("/")
    resend.default_http_client = HttpxResendClient()
    sent = resend.Emails.send(
        {
            "from": f"{settings.EMAIL_FROM_NAME} <{settings.EMAIL_FROM}>",
            "to": [message.recipient],
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        },
        {"idempotency_key": message.id},
    )
    return str(sent["id"])


def send_email(
    db: Session, settings: Settings, recipient: str, subject: str, text: str, html: str = ""
) -> EmailMessage:
    """Send (or, without a Resend key, keep) one email and record it."""
    message = EmailMessage(recipient=recipient, subject=subject, text=text, html=html)
    if settings.RESEND_API_KEY:
        try:
            message.provider_message_id = _send_through_resend(settings, message)
            message.status = EmailStatus.SENT
        except (resend.exceptions.ResendError, httpx.HTTPError, KeyError) as error:
            message.status = EmailStatus.FAILED
            message.error = type(error).__name__
            logger.warning("email %s to Resend failed: %s", message.id, type(error).__name__)
    db.add(message)
    db.flush()
    return message


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
    """Send a letter written in `locale` (subject and parts already in it)."""
    return send_email(
        db,
        settings,
        recipient,
        subject,
        letter_text(parts),
        letter_html(locale, subject, parts),
    )


def kept_emails(db: Session, limit: int = 50, offset: int = 0) -> list[EmailMessage]:
    """The development mailbox, newest first."""
    return list(
        db.exec(
            select(EmailMessage)
            .where(EmailMessage.status == EmailStatus.KEPT)
            .order_by(col(EmailMessage.created_at).desc(), col(EmailMessage.id).desc())
            .offset(offset)
            .limit(limit)
        )
    )
