"""The interface every channel adapter implements, and the outcomes of a send.

A send either returns the provider's message id or raises: `TransientSendError` when trying
again later may work (timeouts, 5xx, 429), `PermanentSendError` when it will not (other 4xx,
unknown user, bad credentials).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import httpx

from clawscale.http_urls import parsed_url


@dataclass(frozen=True)
class ChannelCredentials:
    """What an adapter needs to talk to the provider for one channel."""

    channel_id: str
    kind: str
    config: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


class MessageType(StrEnum):
    """What the runtime asks to send."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"


@dataclass(frozen=True)
class OutboundMessage:
    """One message for one external user."""

    message_type: MessageType
    text: str = ""
    media_urls: tuple[str, ...] = ()
    audio_as_voice: bool = False

    def text_with_attachment_lines(self) -> str:
        """The text followed by one `Attachment: <url>` line per media URL (for text-only APIs)."""
        lines = [self.text] if self.text else []
        lines += [f"Attachment: {url}" for url in self.media_urls]
        return "\n".join(lines)


@dataclass(frozen=True)
class SendTarget:
    """Who receives the message, and what the provider needs echoed (e.g. a context token)."""

    external_id: str
    provider_context: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMessage:
    """One message a person sent to a channel, as an adapter parsed it from the provider.

    `sender_id` is how the channel addresses the person (what a reply is sent to);
    `provider_context` is what a reply must echo (e.g. WeChat's `context_token`).
    """

    provider_message_id: str
    sender_id: str
    sender_name: str = ""
    text: str = ""
    attachments: tuple[dict[str, object], ...] = ()
    provider_context: dict[str, object] = field(default_factory=dict)


def is_http_url(value: str) -> bool:
    """Whether `value` is an http(s) URL (not an encrypted or provider-internal reference)."""
    return value.startswith(("https://", "http://"))


def media_attachment(
    kind: str,
    *,
    url: str = "",
    filename: str = "",
    content_type: str = "",
    size: object = None,
    **provider_ids: object,
) -> dict[str, object]:
    """An attachment of an inbound message as the runtime reads it: `url` (http(s) only),
    `filename`, `contentType` and `size` (bytes) where the provider gave them, beside its `type`
    and the provider's own ids for the media (`file_id`, `media_id`, ...)."""
    attachment: dict[str, object] = {"type": kind, **provider_ids}
    if is_http_url(url):
        attachment["url"] = url
    if filename:
        attachment["filename"] = filename
    if content_type:
        attachment["contentType"] = content_type
    byte_count = _byte_count(size)
    if byte_count is not None:
        attachment["size"] = byte_count
    return attachment


def _byte_count(value: object) -> int | None:
    """A size as providers send it (a number, or digits in a string), when it is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class SendError(Exception):
    """A send did not succeed."""


class TransientSendError(SendError):
    """Trying again later may succeed; `retry_after` seconds when the provider said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Trying again will not help."""


class ChannelAdapter(Protocol):
    """What the gateway needs from a channel kind to deliver outbound messages."""

    kind: str

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send one message; the provider's message id, or a SendError."""
        ...


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After of a response in seconds, when given as a number."""
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def raise_for_http_status(response: httpx.Response, provider: str) -> None:
    """Classify an HTTP failure: 429 and 5xx are transient, other 4xx permanent."""
    status = response.status_code
    if status < 400:
        return
    detail = f"{provider} answered HTTP {status}"
    if status == 429 or status >= 500:
        raise TransientSendError(detail, retry_after_seconds(response))
    raise PermanentSendError(detail)


async def post_json(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    body: dict[str, object],
    headers: dict[str, str],
) -> httpx.Response:
    """POST JSON: network failures and timeouts are transient; HTTP errors are classified."""
    try:
        response = await client.post(parsed_url(url), json=body, headers=headers)
    except httpx.HTTPError as error:
        raise TransientSendError(f"{provider} unreachable: {type(error).__name__}") from error
    raise_for_http_status(response, provider)
    return response
