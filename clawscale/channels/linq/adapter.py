"""`linq`: iMessage, RCS and SMS through Linq's Partner API v3.

Config: `from_number` (our number in the organisation), optional `base_url`; secret: `api_key`
(Bearer). Managed by connect: config `webhook_subscription_id`, secret `signing_secret`.

Send: `POST /chats` `{"from", "to": [number], "message": {"parts": [...]}}` with a text part and,
for images and voice, `media` parts carrying the URLs (Linq fetches them).

Webhook: `connect` creates a subscription (`POST /webhook-subscriptions` with `target_url`,
`subscribed_events: ["message.received"]` and our number) and stores its `id` and the
`signing_secret` Linq shows only then; `disconnect` deletes it (404: already gone). The target URL
pins the payload version (`?version=2026-02-03`). Inbound checks, in order: the path token, the
`X-Webhook-Subscription-ID` header, the hex HMAC-SHA256 of `"{timestamp}.{raw body}"` in
`X-Webhook-Signature`, and `X-Webhook-Timestamp` within 300 seconds of now.

A `message.received` event is routed unless it is ours (`direction: outbound`, `is_from_me`,
`sender_handle.is_me`) or from a group chat; senders that are not phone numbers (iMessage email
handles) are left out because Linq identities are phone numbers. Both payload versions are read:
2026-02-03 (`data.id`, `data.sender_handle.handle`, `data.parts`, `data.chat`) and the earlier one
(`data.message.id`, `data.from`, `data.message.parts`).
"""

import time
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote, urlencode

import httpx

from clawscale.addresses import plus_and_digits
from clawscale.channels.base import (
    ChannelCredentials,
    InboundMessage,
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    media_attachment,
    post_json,
)
from clawscale.channels.provider_http import call_provider, json_object
from clawscale.channels.webhooks import (
    ChannelDataUpdate,
    KindSchema,
    ProviderError,
    WebhookRejected,
    WebhookRequest,
    as_dict,
    as_list,
    as_text,
    base_url,
    dig,
    require_equal,
    require_hmac_sha256,
)

KIND = "linq"
PROVIDER = "Linq"
RECEIVED_EVENT = "message.received"
WEBHOOK_VERSION = "2026-02-03"
REPLAY_WINDOW_SECONDS = 300
SUBSCRIPTION_ID = "webhook_subscription_id"
SIGNING_SECRET = "signing_secret"


def _authorization(credentials: ChannelCredentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.secrets.get('api_key', '')}"}


def require_fresh_timestamp(timestamp: str, now: float) -> None:
    """WebhookRejected unless `timestamp` (Unix seconds) is within the replay window of `now`."""
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise WebhookRejected("timestamp is not a number") from error
    if abs(now - sent_at) > REPLAY_WINDOW_SECONDS:
        raise WebhookRejected("timestamp is outside the replay window")


def _phone_sender(handle: str) -> str:
    """`+` and the digits of a phone handle; "" for email handles and other forms."""
    return "" if "@" in handle else plus_and_digits(handle)


def _parts(data: dict[str, object]) -> list[dict[str, object]]:
    parts = data.get("parts")
    if not isinstance(parts, list):
        parts = dig(data, "message", "parts")
    return [as_dict(part) for part in as_list(parts)]


def _content(data: dict[str, object]) -> tuple[str, tuple[dict[str, object], ...]]:
    texts: list[str] = []
    media: list[dict[str, object]] = []
    for part in _parts(data):
        if part.get("type") == "text":
            text = as_text(part.get("value")) or as_text(part.get("text"))
            if text:
                texts.append(text)
        elif part.get("type") == "media" and as_text(part.get("url")):
            attachment = media_attachment(
                "media",
                url=as_text(part["url"]),
                filename=as_text(part.get("filename")),
                content_type=as_text(part.get("mime_type")),
                size=part.get("size"),
            )
            media.append(attachment)
    return "\n".join(texts), tuple(media)


def _is_ours_or_group(data: dict[str, object]) -> bool:
    return (
        data.get("direction") == "outbound"
        or data.get("is_from_me") is True
        or dig(data, "sender_handle", "is_me") is True
        or dig(data, "chat", "is_group") is True
    )


def _inbound(document: dict[str, object]) -> InboundMessage | None:
    if document.get("event_type") != RECEIVED_EVENT:
        return None
    data = as_dict(document.get("data"))
    if _is_ours_or_group(data):
        return None
    handle = as_text(dig(data, "sender_handle", "handle")) or as_text(data.get("from"))
    sender = _phone_sender(handle)
    message_id = (
        as_text(data.get("id"))
        or as_text(dig(data, "message", "id"))
        or as_text(data.get("message_id"))
        or as_text(document.get("event_id"))
    )
    text, attachments = _content(data)
    if not sender or not message_id or not (text or attachments):
        return None
    return InboundMessage(
        provider_message_id=message_id,
        sender_id=sender,
        sender_name=handle,
        text=text,
        attachments=attachments,
    )


@dataclass(frozen=True)
class LinqAdapter:
    """Sends through Linq and receives its signed `message.received` webhooks."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        required_config=("from_number",),
        required_secrets=("api_key",),
        managed_config=(SUBSCRIPTION_ID,),
        managed_secrets=(SIGNING_SECRET,),
    )

    def _url(self, credentials: ChannelCredentials, path: str) -> str:
        return f"{base_url(credentials, self.default_base_url)}/{path}"

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send in one chat message: the text and, for media types, the media URLs as parts."""
        from_number = credentials.config.get("from_number")
        if not from_number or not credentials.secrets.get("api_key"):
            raise PermanentSendError("channel is missing its Linq number or API key")
        if message.message_type is MessageType.TEXT:
            parts = [{"type": "text", "value": message.text_with_attachment_lines()}]
        else:
            parts = [{"type": "text", "value": message.text}] if message.text else []
            parts += [{"type": "media", "url": url} for url in message.media_urls]
        body: dict[str, object] = {
            "from": from_number,
            "to": [target.external_id],
            "message": {"parts": parts},
        }
        response = await post_json(
            client, PROVIDER, self._url(credentials, "chats"), body, _authorization(credentials)
        )
        document = json_object(response)
        for path in (("chat", "message", "id"), ("message", "id"), ("id",)):
            message_id = as_text(dig(document, *path))
            if message_id:
                return message_id
        return ""

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """Subscription id, then signature, then timestamp freshness."""
        require_equal(
            credentials.config.get(SUBSCRIPTION_ID, ""),
            request.header("X-Webhook-Subscription-ID"),
            "subscription id",
        )
        timestamp = request.header("X-Webhook-Timestamp")
        require_hmac_sha256(
            credentials.secrets.get(SIGNING_SECRET, ""),
            timestamp.encode() + b"." + request.body,
            request.header("X-Webhook-Signature"),
            "signature",
        )
        require_fresh_timestamp(timestamp, time.time())

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """The message of a `message.received` event from a person; nothing for other events."""
        message = _inbound(as_dict(payload))
        return [message] if message is not None else []

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Create the subscription; store its id and signing secret."""
        body: dict[str, object] = {
            "target_url": f"{webhook_url}?{urlencode({'version': WEBHOOK_VERSION})}",
            "subscribed_events": [RECEIVED_EVENT],
            "phone_numbers": [credentials.config.get("from_number", "")],
        }
        document = await call_provider(
            client,
            PROVIDER,
            "POST",
            self._url(credentials, "webhook-subscriptions"),
            headers=_authorization(credentials),
            body=body,
        )
        subscription_id = as_text(document.get("id"))
        signing_secret = as_text(document.get("signing_secret"))
        if not subscription_id or not signing_secret:
            raise ProviderError(f"{PROVIDER} answered without a subscription id or signing secret")
        return ChannelDataUpdate(
            config={SUBSCRIPTION_ID: subscription_id}, secrets={SIGNING_SECRET: signing_secret}
        )

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Delete the subscription (already gone is fine) and forget its secret."""
        subscription_id = credentials.config.get(SUBSCRIPTION_ID, "")
        if subscription_id:
            await call_provider(
                client,
                PROVIDER,
                "DELETE",
                self._url(credentials, f"webhook-subscriptions/{quote(subscription_id, safe='')}"),
                headers=_authorization(credentials),
                accept_statuses=(404,),
            )
        return ChannelDataUpdate(config={SUBSCRIPTION_ID: ""}, secrets={SIGNING_SECRET: ""})
