"""`telegram`: a Telegram bot through the Bot API.

Config: optional `base_url`; secret: `bot_token`. Managed by connect: secret `secret_token`.
Every call goes to `{base}/bot{token}/{method}`, so a URL is never put in an error, and httpx's
request log lines get the token redacted (`RedactBotTokens`).

Send: `sendMessage` `{chat_id, text}`; images with `sendPhoto` (the caption on the first) and
voice with `sendVoice`, one call per media URL (Telegram fetches the URL). HTTP 429 is retried
after the `parameters.retry_after` Telegram gives; 5xx and network failures are retried; other
4xx (chat not found, bot blocked) are permanent.

Webhook: `connect` calls `setWebhook` with our URL, `allowed_updates: ["message"]` and a fresh
`secret_token` that Telegram then sends in `X-Telegram-Bot-Api-Secret-Token` (checked in constant
time, after the path token); `disconnect` calls `deleteWebhook`. A `message` update is routed
when it comes from a person (not `from.is_bot`) in a private chat; edits, channel posts and group
messages are left out. The sender is the chat id (a reply goes there), the message id
`{chat id}:{message_id}` (message ids are per chat).
"""

import logging
import re
import secrets
from dataclasses import dataclass
from typing import ClassVar

import httpx

from clawscale.channels.base import (
    ChannelCredentials,
    InboundMessage,
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
    media_attachment,
)
from clawscale.channels.provider_http import call_provider, json_object, post_unclassified
from clawscale.channels.webhooks import (
    ChannelDataUpdate,
    KindSchema,
    ProviderError,
    WebhookRequest,
    as_dict,
    as_list,
    as_text,
    base_url,
    dig,
    require_equal,
)

KIND = "telegram"
PROVIDER = "Telegram"
SECRET_TOKEN = "secret_token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PRIVATE_CHAT = "private"
MEDIA_FIELDS = {"voice": "voice", "audio": "audio", "document": "document", "video": "video"}
BOT_PATH = re.compile(r"/bot[^/\s]+/")


class RedactBotTokens(logging.Filter):
    """Hides `/bot<token>/` in httpx's request log lines (the Bot API puts the token in URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                BOT_PATH.sub("/bot<redacted>/", str(arg)) if isinstance(arg, httpx.URL) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(RedactBotTokens())


def _attachments(message: dict[str, object]) -> tuple[dict[str, object], ...]:
    found: list[dict[str, object]] = []
    photos = [as_dict(photo) for photo in as_list(message.get("photo"))]
    if photos and as_text(photos[-1].get("file_id")):
        photo = photos[-1]
        found.append(
            media_attachment(
                "image",
                content_type="image/jpeg",
                size=photo.get("file_size"),
                file_id=as_text(photo["file_id"]),
            )
        )
    for field_name, media_type in MEDIA_FIELDS.items():
        media = as_dict(message.get(field_name))
        if as_text(media.get("file_id")):
            found.append(
                media_attachment(
                    media_type,
                    filename=as_text(media.get("file_name")),
                    content_type=as_text(media.get("mime_type")),
                    size=media.get("file_size"),
                    file_id=as_text(media["file_id"]),
                )
            )
    return tuple(found)


def _display_name(sender: dict[str, object]) -> str:
    names = (as_text(sender.get("first_name")), as_text(sender.get("last_name")))
    full = " ".join(name for name in names if name)
    return full or as_text(sender.get("username"))


def _inbound(update: dict[str, object]) -> InboundMessage | None:
    message = as_dict(update.get("message"))
    sender = as_dict(message.get("from"))
    chat = as_dict(message.get("chat"))
    if sender.get("is_bot") is not False or chat.get("type") != PRIVATE_CHAT:
        return None
    chat_id = as_text(chat.get("id"))
    message_id = as_text(message.get("message_id"))
    text = as_text(message.get("text")) or as_text(message.get("caption"))
    attachments = _attachments(message)
    if not chat_id or not message_id or not (text or attachments):
        return None
    return InboundMessage(
        provider_message_id=f"{chat_id}:{message_id}",
        sender_id=chat_id,
        sender_name=_display_name(sender),
        text=text,
        attachments=attachments,
    )


def _raise_for_failure(response: httpx.Response, document: dict[str, object]) -> None:
    status = response.status_code
    if status < 400 and document.get("ok") is True:
        return
    code = as_text(document.get("error_code")) or str(status)
    detail = f"{PROVIDER} answered HTTP {status} (error {code})"
    if status == 429:
        retry_after = dig(document, "parameters", "retry_after")
        seconds = float(retry_after) if isinstance(retry_after, int | float) else None
        raise TransientSendError(detail, seconds)
    if status >= 500:
        raise TransientSendError(detail)
    raise PermanentSendError(detail)


@dataclass(frozen=True)
class TelegramAdapter:
    """Sends as a Telegram bot and receives its webhook updates."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        required_secrets=("bot_token",), managed_secrets=(SECRET_TOKEN,)
    )

    def _method_url(self, credentials: ChannelCredentials, method: str) -> str:
        token = credentials.secrets.get("bot_token", "")
        return f"{base_url(credentials, self.default_base_url)}/bot{token}/{method}"

    async def _send_call(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, method: str, body: dict
    ) -> str:
        url = self._method_url(credentials, method)
        response = await post_unclassified(client, PROVIDER, url, body)
        document = json_object(response)
        _raise_for_failure(response, document)
        return as_text(dig(document, "result", "message_id"))

    def _requests(
        self, chat_id: str, message: OutboundMessage
    ) -> list[tuple[str, dict[str, object]]]:
        if message.message_type is MessageType.VOICE:
            return [("sendVoice", {"chat_id": chat_id, "voice": url}) for url in message.media_urls]
        if message.message_type is MessageType.IMAGE:
            return [
                ("sendPhoto", {"chat_id": chat_id, "photo": url, "caption": message.text})
                if index == 0 and message.text
                else ("sendPhoto", {"chat_id": chat_id, "photo": url})
                for index, url in enumerate(message.media_urls)
            ]
        return [("sendMessage", {"chat_id": chat_id, "text": message.text_with_attachment_lines()})]

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send each part; the `message_id` of the last one."""
        if not credentials.secrets.get("bot_token"):
            raise PermanentSendError("channel is missing its Telegram bot token")
        message_id = ""
        for method, body in self._requests(target.external_id, message):
            message_id = await self._send_call(client, credentials, method, body) or message_id
        return message_id

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """The secret token Telegram was given at `setWebhook` must come back in the header."""
        require_equal(
            credentials.secrets.get(SECRET_TOKEN, ""), request.header(SECRET_HEADER), "secret token"
        )

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """A person's message in a private chat; nothing for other updates."""
        message = _inbound(as_dict(payload))
        return [message] if message is not None else []

    async def _management_call(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, method: str, body: dict
    ) -> None:
        document = await call_provider(
            client, PROVIDER, "POST", self._method_url(credentials, method), headers={}, body=body
        )
        if document.get("ok") is not True:
            raise ProviderError(f"{PROVIDER} refused {method}")

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """`setWebhook` with a new secret token; the token is stored."""
        secret_token = secrets.token_urlsafe(32)
        body = {"url": webhook_url, "secret_token": secret_token, "allowed_updates": ["message"]}
        await self._management_call(client, credentials, "setWebhook", body)
        return ChannelDataUpdate(secrets={SECRET_TOKEN: secret_token})

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """`deleteWebhook`; the secret token is forgotten."""
        await self._management_call(client, credentials, "deleteWebhook", {})
        return ChannelDataUpdate(secrets={SECRET_TOKEN: ""})
