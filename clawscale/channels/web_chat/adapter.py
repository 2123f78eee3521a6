"""`web_chat`: a chat on a website, served by the gateway itself.

Config: optional `allowed_origins`, the sites that may embed the chat (origins separated by
spaces, commas or new lines; none: only the hosted page). The generated `webhook_token` signs the
visitors' tokens and authenticates deliveries; there is no provider to register with, so
`connect` and `disconnect` change nothing.

Visitors write through the chat API (`/api/webchat/{channel_id}`), which stores their messages
on the one inbound path; `parse_inbound` is never reached by a provider webhook and finds
nothing. Send: the reply is posted to the chat's deliveries endpoint
(`{base}/api/webchat/{channel_id}/deliveries`, bearer the webhook token, the outbox key as the
idempotency key), from which the visitor's page receives it.
"""

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from clawscale.channels.base import (
    ChannelCredentials,
    InboundMessage,
    OutboundMessage,
    SendTarget,
    post_json,
)
from clawscale.channels.webhooks import (
    WEBHOOK_TOKEN,
    ChannelDataUpdate,
    KindSchema,
    WebhookRejected,
    WebhookRequest,
    as_text,
    dig,
)

KIND = "web_chat"
PROVIDER = "web chat"
ALLOWED_ORIGINS = "allowed_origins"
DELIVERIES_PATH = "/api/webchat/{channel_id}/deliveries"
ORIGIN_SEPARATORS = re.compile(r"[\s,]+")


def origin_of(url: str) -> str:
    """The `scheme://host[:port]` of a URL, lower-cased ("" when it has none)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(credentials: ChannelCredentials) -> frozenset[str]:
    """The origins of the sites the channel's config allows to embed the chat."""
    listed = ORIGIN_SEPARATORS.split(credentials.config.get(ALLOWED_ORIGINS, ""))
    return frozenset(origin for origin in map(origin_of, listed) if origin)


@dataclass(frozen=True)
class WebChatAdapter:
    """Delivers replies to the gateway's own chat API."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        optional_config=(ALLOWED_ORIGINS,), provider_webhooks=False
    )

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Post the reply to the chat's deliveries endpoint; the stored message's id."""
        path = DELIVERIES_PATH.format(channel_id=credentials.channel_id)
        body: dict[str, object] = {
            "visitor_id": target.external_id,
            "text": message.text,
            "media_urls": list(message.media_urls),
            "idempotency_key": idempotency_key,
        }
        headers = {"Authorization": f"Bearer {credentials.secrets.get(WEBHOOK_TOKEN, '')}"}
        url = f"{self.default_base_url.rstrip('/')}{path}"
        response = await post_json(client, PROVIDER, url, body, headers)
        return as_text(dig(response.json(), "data", "message_id"))

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """No provider calls a web chat's webhook URL: every request is refused."""
        raise WebhookRejected("web chat channels take messages through the chat API")

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """Nothing: visitors' messages come through the chat API."""
        return []

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Nothing to register: the chat is the gateway's own."""
        return ChannelDataUpdate()

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Nothing to unregister."""
        return ChannelDataUpdate()
