"""`whatsapp_evolution`: a WhatsApp number through Evolution API.

Config: `instance` (the Evolution instance name), optional `base_url`; secret: `api_key`
(sent as the `apikey` header). Images go out with `sendMedia`, voice with `sendWhatsAppAudio`,
text with `sendText`.

Webhook: `connect` calls `POST /webhook/set/{instance}` with Evolution v2's body
(`{"webhook": {"enabled", "url", "byEvents", "base64", "events": ["MESSAGES_UPSERT"]}}`);
`disconnect` sends the same body with `enabled: false` (Evolution validates `url` even then, so
it keeps our URL). Inbound requests are authenticated by the path token only (Evolution signs
nothing). A `messages.upsert` event is routed unless it is our own (`key.fromMe`), from a group
(`@g.us`), a broadcast or status (`@broadcast`) or a newsletter; the sender is the number of
`key.remoteJid` (a `@lid` JID only when Evolution also gives the phone JID in `key.senderPn` or
`key.remoteJidAlt`), the message id `key.id`.
"""

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

import httpx

from clawscale.addresses import digits_only
from clawscale.channels.base import (
    ChannelCredentials,
    InboundMessage,
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    is_http_url,
    media_attachment,
    post_json,
)
from clawscale.channels.provider_http import call_provider, json_object
from clawscale.channels.webhooks import (
    ChannelDataUpdate,
    KindSchema,
    WebhookRequest,
    as_dict,
    as_list,
    as_text,
    base_url,
    dig,
)

KIND = "whatsapp_evolution"
PROVIDER = "Evolution API"
WEBHOOK_EVENTS = ("MESSAGES_UPSERT",)
UPSERT_EVENT = "messages.upsert"
PERSONAL_JID_SUFFIXES = ("@s.whatsapp.net", "@c.us")
LID_SUFFIX = "@lid"
MEDIA_MESSAGES = {
    "imageMessage": "image",
    "audioMessage": "audio",
    "videoMessage": "video",
    "documentMessage": "document",
    "stickerMessage": "sticker",
}


def _sender_jid(key: dict[str, object]) -> str:
    """The personal JID that sent the message ("" for groups, broadcasts and unknown forms)."""
    remote = as_text(key.get("remoteJid"))
    if remote.endswith(LID_SUFFIX):
        remote = as_text(key.get("senderPn")) or as_text(key.get("remoteJidAlt"))
    return remote if remote.endswith(PERSONAL_JID_SUFFIXES) else ""


def _text(message: dict[str, object]) -> str:
    for path in (
        ("conversation",),
        ("extendedTextMessage", "text"),
        ("imageMessage", "caption"),
        ("videoMessage", "caption"),
        ("documentMessage", "caption"),
    ):
        text = as_text(dig(message, *path))
        if text:
            return text
    return ""


def _attachments(data: dict[str, object], message: dict[str, object]) -> tuple[dict, ...]:
    found = []
    for field_name, media_type in MEDIA_MESSAGES.items():
        media = as_dict(message.get(field_name))
        if not media:
            continue
        urls = (data.get("mediaUrl"), message.get("mediaUrl"), media.get("url"))
        media_url = next((url for url in map(as_text, urls) if is_http_url(url)), "")
        found.append(
            media_attachment(
                media_type,
                url=media_url,
                filename=as_text(media.get("fileName")) or as_text(media.get("title")),
                content_type=as_text(media.get("mimetype")),
                size=media.get("fileLength"),
            )
        )
    return tuple(found)


def _upsert_records(data: object) -> list[dict[str, object]]:
    """`data` is one message, a list of them, or `{"messages": [...]}` depending on the version."""
    if isinstance(data, list):
        return [as_dict(item) for item in data]
    record = as_dict(data)
    if "key" not in record and isinstance(record.get("messages"), list):
        return [as_dict(item) for item in as_list(record["messages"])]
    return [record]


def _inbound(record: dict[str, object]) -> InboundMessage | None:
    key = as_dict(record.get("key"))
    if key.get("fromMe") is True:
        return None
    number = digits_only(_sender_jid(key).partition("@")[0])
    message_id = as_text(key.get("id"))
    message = as_dict(record.get("message"))
    text = _text(message)
    attachments = _attachments(record, message)
    if not number or not message_id or not (text or attachments):
        return None
    return InboundMessage(
        provider_message_id=message_id,
        sender_id=number,
        sender_name=as_text(record.get("pushName")),
        text=text,
        attachments=attachments,
    )


@dataclass(frozen=True)
class EvolutionAdapter:
    """Sends through an Evolution API server and receives its `MESSAGES_UPSERT` webhooks."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        required_config=("instance",), required_secrets=("api_key",)
    )

    def _instance_url(self, credentials: ChannelCredentials, path: str) -> str:
        instance = credentials.config.get("instance", "")
        return f"{base_url(credentials, self.default_base_url)}/{path}/{quote(instance, safe='')}"

    def _endpoint(self, credentials: ChannelCredentials, action: str) -> tuple[str, dict[str, str]]:
        instance = credentials.config.get("instance")
        api_key = credentials.secrets.get("api_key")
        if not instance or not api_key:
            raise PermanentSendError("channel is missing its Evolution instance or API key")
        return self._instance_url(credentials, f"message/{action}"), {"apikey": api_key}

    def _requests(
        self, target: SendTarget, message: OutboundMessage
    ) -> list[tuple[str, dict[str, object]]]:
        number = target.external_id
        if message.message_type is MessageType.VOICE:
            return [
                ("sendWhatsAppAudio", {"number": number, "audio": url})
                for url in message.media_urls
            ]
        if message.message_type is MessageType.IMAGE:
            return [
                (
                    "sendMedia",
                    {
                        "number": number,
                        "mediatype": "image",
                        "media": url,
                        "caption": message.text if index == 0 else "",
                    },
                )
                for index, url in enumerate(message.media_urls)
            ]
        return [("sendText", {"number": number, "text": message.text_with_attachment_lines()})]

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send each part; the id of the last message Evolution created."""
        message_id = ""
        for action, body in self._requests(target, message):
            url, headers = self._endpoint(credentials, action)
            response = await post_json(client, PROVIDER, url, body, headers)
            message_id = as_text(dig(json_object(response), "key", "id")) or message_id
        return message_id

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """Evolution signs nothing: the path token (checked for every kind) is the proof."""

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """The people's messages of a `messages.upsert` event; other events carry none."""
        document = as_dict(payload)
        event = as_text(document.get("event")).lower().replace("_", ".")
        if event != UPSERT_EVENT:
            return []
        parsed = (_inbound(record) for record in _upsert_records(document.get("data")))
        return [message for message in parsed if message is not None]

    async def _set_webhook(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, url: str, enabled: bool
    ) -> ChannelDataUpdate:
        body: dict[str, object] = {
            "webhook": {
                "enabled": enabled,
                "url": url,
                "byEvents": False,
                "base64": False,
                "events": list(WEBHOOK_EVENTS),
            }
        }
        headers = {"apikey": credentials.secrets.get("api_key", "")}
        await call_provider(
            client,
            PROVIDER,
            "POST",
            self._instance_url(credentials, "webhook/set"),
            headers=headers,
            body=body,
        )
        return ChannelDataUpdate()

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Point the instance's webhook at us for `MESSAGES_UPSERT`."""
        return await self._set_webhook(client, credentials, webhook_url, enabled=True)

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Disable the instance's webhook."""
        return await self._set_webhook(client, credentials, webhook_url, enabled=False)
