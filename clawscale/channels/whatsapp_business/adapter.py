"""`whatsapp_business`: a WhatsApp Business number through Meta's Cloud API (Graph API).

Config: `phone_number_id`, optional `waba_id` and `base_url` (the Graph base with its version);
secrets: `access_token` (Bearer), `app_secret` (signs every webhook POST), `verify_token` (the
GET challenge's token, chosen by the admin).

Send: `POST /{phone_number_id}/messages` with `messaging_product: whatsapp`: `text`, `image`
(`link`, the caption on the first) and `audio` (`link`) messages. HTTP 429 and 5xx are retried,
as are Graph's throttling and temporary error codes; other 4xx are permanent.

Webhook: Meta proves the URL with `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`
(the challenge is echoed when the token matches) and signs every POST with
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`.
With a `waba_id`, `connect` subscribes the app to the account's webhooks with our URL as the
override callback (`POST /{waba_id}/subscribed_apps` `{override_callback_uri, verify_token}`;
Meta verifies the URL with the GET challenge during that call, so the challenge is answered for
any channel not archived) and `disconnect` unsubscribes (`DELETE /{waba_id}/subscribed_apps`).
Without a `waba_id` the admin pastes the URL into the app dashboard and connect calls nothing.
Messages of `whatsapp_business_account` changes for our `phone_number_id` are routed; statuses,
reactions and system messages are left out. The sender is `from` (a `wa_id`), the id `id`.
"""

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

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
    retry_after_seconds,
)
from clawscale.channels.provider_http import call_provider, json_object, post_unclassified
from clawscale.channels.webhooks import (
    ChannelDataUpdate,
    KindSchema,
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

KIND = "whatsapp_business"
PROVIDER = "WhatsApp Cloud API"
BUSINESS_ACCOUNT = "whatsapp_business_account"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
# Graph error codes worth retrying: unknown/service errors, app and account throttling.
TRANSIENT_GRAPH_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
MEDIA_TYPES = ("image", "audio", "voice", "video", "document", "sticker")


def _text(message: dict[str, object]) -> str:
    for path in (
        ("text", "body"),
        ("button", "text"),
        ("interactive", "button_reply", "title"),
        ("interactive", "list_reply", "title"),
    ):
        text = as_text(dig(message, *path))
        if text:
            return text
    kind = as_text(message.get("type"))
    return as_text(dig(message, kind, "caption")) if kind in MEDIA_TYPES else ""


def _attachments(message: dict[str, object]) -> tuple[dict[str, object], ...]:
    kind = as_text(message.get("type"))
    media = as_dict(message.get(kind)) if kind in MEDIA_TYPES else {}
    if not as_text(media.get("id")):
        return ()
    attachment = media_attachment(
        kind,
        filename=as_text(media.get("filename")),
        content_type=as_text(media.get("mime_type")),
        media_id=as_text(media["id"]),
    )
    return (attachment,)


def _messages_of(value: dict[str, object]) -> list[InboundMessage]:
    names = {
        as_text(contact.get("wa_id")): as_text(dig(contact, "profile", "name"))
        for contact in map(as_dict, as_list(value.get("contacts")))
    }
    found = []
    for message in map(as_dict, as_list(value.get("messages"))):
        sender = as_text(message.get("from"))
        message_id = as_text(message.get("id"))
        text, attachments = _text(message), _attachments(message)
        if sender and message_id and (text or attachments):
            found.append(
                InboundMessage(
                    provider_message_id=message_id,
                    sender_id=sender,
                    sender_name=names.get(sender, ""),
                    text=text,
                    attachments=attachments,
                )
            )
    return found


def _raise_for_failure(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    code = dig(json_object(response), "error", "code")
    detail = f"{PROVIDER} answered HTTP {status}" + (f" (error {code})" if code else "")
    if status == 429 or status >= 500 or code in TRANSIENT_GRAPH_CODES:
        raise TransientSendError(detail, retry_after_seconds(response))
    raise PermanentSendError(detail)


@dataclass(frozen=True)
class WhatsAppBusinessAdapter:
    """Sends through the Graph messages endpoint and receives Meta's signed webhooks."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        required_config=("phone_number_id",),
        optional_config=("waba_id", "base_url"),
        required_secrets=("access_token", "app_secret", "verify_token"),
    )

    def _url(self, credentials: ChannelCredentials, *path: str) -> str:
        quoted = "/".join(quote(part, safe="") for part in path)
        return f"{base_url(credentials, self.default_base_url)}/{quoted}"

    def _authorization(self, credentials: ChannelCredentials) -> dict[str, str]:
        return {"Authorization": f"Bearer {credentials.secrets.get('access_token', '')}"}

    def _bodies(self, to: str, message: OutboundMessage) -> list[dict[str, object]]:
        envelope: dict[str, object] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
        }
        if message.message_type is MessageType.VOICE:
            return [
                {**envelope, "type": "audio", "audio": {"link": url}} for url in message.media_urls
            ]
        if message.message_type is MessageType.IMAGE:
            return [
                {
                    **envelope,
                    "type": "image",
                    "image": {"link": url, "caption": message.text}
                    if index == 0 and message.text
                    else {"link": url},
                }
                for index, url in enumerate(message.media_urls)
            ]
        text = {"body": message.text_with_attachment_lines(), "preview_url": False}
        return [{**envelope, "type": "text", "text": text}]

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send each part; the `wamid` of the last one."""
        phone_number_id = credentials.config.get("phone_number_id", "")
        if not phone_number_id or not credentials.secrets.get("access_token"):
            raise PermanentSendError("channel is missing its phone number id or access token")
        url = self._url(credentials, phone_number_id, "messages")
        message_id = ""
        for body in self._bodies(target.external_id, message):
            headers = self._authorization(credentials)
            response = await post_unclassified(client, PROVIDER, url, body, headers)
            _raise_for_failure(response)
            sent = as_list(json_object(response).get("messages"))
            message_id = as_text(as_dict(sent[0]).get("id")) if sent else message_id
        return message_id

    def answer_challenge(self, credentials: ChannelCredentials, request: WebhookRequest) -> str:
        """Echo `hub.challenge` for a subscribe request carrying our verify token."""
        if request.query.get("hub.mode") != "subscribe":
            raise WebhookRejected("not a subscribe challenge")
        require_equal(
            credentials.secrets.get("verify_token", ""),
            request.query.get("hub.verify_token", ""),
            "verify token",
        )
        return request.query.get("hub.challenge", "")

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """`X-Hub-Signature-256` must sign the raw body with the app secret."""
        signature = request.header(SIGNATURE_HEADER)
        if not signature.startswith(SIGNATURE_PREFIX):
            raise WebhookRejected("signature header missing")
        require_hmac_sha256(
            credentials.secrets.get("app_secret", ""),
            request.body,
            signature.removeprefix(SIGNATURE_PREFIX),
            "signature",
        )

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """The messages people sent to our number; statuses and other numbers left out."""
        document = as_dict(payload)
        if document.get("object") != BUSINESS_ACCOUNT:
            return []
        ours = credentials.config.get("phone_number_id", "")
        found: list[InboundMessage] = []
        for entry in map(as_dict, as_list(document.get("entry"))):
            for change in map(as_dict, as_list(entry.get("changes"))):
                value = as_dict(change.get("value"))
                number_id = as_text(dig(value, "metadata", "phone_number_id"))
                if change.get("field") == "messages" and number_id == ours:
                    found += _messages_of(value)
        return found

    async def _subscription(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, method: str, body: dict
    ) -> None:
        waba_id = credentials.config.get("waba_id", "")
        if not waba_id:
            return
        await call_provider(
            client,
            PROVIDER,
            method,
            self._url(credentials, waba_id, "subscribed_apps"),
            headers=self._authorization(credentials),
            body=body or None,
        )

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Subscribe the app to the business account with our URL as its callback."""
        body = {
            "override_callback_uri": webhook_url,
            "verify_token": credentials.secrets.get("verify_token", ""),
        }
        await self._subscription(client, credentials, "POST", body)
        return ChannelDataUpdate()

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Unsubscribe the app from the business account."""
        await self._subscription(client, credentials, "DELETE", {})
        return ChannelDataUpdate()
