"""How email leaves: through Resend's HTTP API (`POST /emails`), or not at all.

With MAIL_TRANSPORT=none, or without RESEND_API_KEY, the gateway sends no mail: what it writes
is kept (`kept`) for the development mailbox and the console, and outside development the pages
say no link was sent.
One send is one POST whose Idempotency-Key is the email's id, so a retry after a lost answer
(or a worker that died mid-send) is not sent twice by Resend within its 24-hour window.
"""

from dataclasses import dataclass

import httpx

from clawscale.channels.base import PermanentSendError, TransientSendError, post_json
from clawscale.settings import Environment, MailTransport, Settings

PROVIDER = "Resend"


def mail_is_sent(settings: Settings) -> bool:
    """Whether this gateway sends email (MAIL_TRANSPORT=resend and a Resend key set); otherwise
    it keeps it."""
    return settings.MAIL_TRANSPORT is MailTransport.RESEND and bool(settings.RESEND_API_KEY)


def mail_reaches_people(settings: Settings) -> bool:
    """Whether what the gateway writes can be read by its recipient: sent, or kept in
    development, where the development mailbox shows it. Pages say a link was sent only then."""
    return mail_is_sent(settings) or settings.CLAWSCALE_ENV is Environment.DEVELOPMENT


@dataclass(frozen=True)
class OutgoingMail:
    """What one send needs, read from the database before any I/O."""

    id: str
    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class MailOutcome:
    """How one attempt ended: sent (with Resend's id) or failed with `error`."""

    mail_id: str
    provider_message_id: str = ""
    error: str | None = None
    transient: bool = False
    retry_after: float | None = None


def _body(settings: Settings, mail: OutgoingMail) -> dict[str, object]:
    return {
        "from": f"{settings.EMAIL_FROM_NAME} <{settings.EMAIL_FROM}>",
        "to": [mail.recipient],
        "subject": mail.subject,
        "text": mail.text,
        "html": mail.html,
    }


async def send_mail(
    client: httpx.AsyncClient, settings: Settings, mail: OutgoingMail
) -> MailOutcome:
    """One attempt at sending `mail`: unreachable, 429 and 5xx are transient, other refusals
    permanent."""
    url = f"{settings.RESEND_API_BASE_URL.rstrip('/')}/emails"
    headers = {"Authorization": f"Bearer {settings.RESEND_API_KEY}", "Idempotency-Key": mail.id}
    try:
        response = await post_json(client, PROVIDER, url, _body(settings, mail), headers)
    except TransientSendError as error:
        return MailOutcome(mail.id, error=str(error), transient=True, retry_after=error.retry_after)
    except PermanentSendError as error:
        return MailOutcome(mail.id, error=str(error))
    try:
        provider_id = str(response.json().get("id") or "")
    except (ValueError, AttributeError):
        provider_id = ""
    return MailOutcome(mail.id, provider_message_id=provider_id)
