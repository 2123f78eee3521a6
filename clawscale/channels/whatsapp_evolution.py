"""`whatsapp_evolution`: a WhatsApp number through Evolution API (send side).

Config: `instance` (the Evolution instance name), optional `base_url`; secret: `api_key`
(sent as the `apikey` header). Images go out with `sendMedia`, voice with `sendWhatsAppAudio`.
"""

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    post_json,
)
from clawscale.domain.channel_store import ChannelCredentials

KIND = "whatsapp_evolution"


@dataclass(frozen=True)
class EvolutionAdapter:
    """Sends through an Evolution API server."""

    default_base_url: str
    kind: str = KIND

    def _endpoint(self, credentials: ChannelCredentials, action: str) -> tuple[str, dict[str, str]]:
        instance = credentials.config.get("instance")
        api_key = credentials.secrets.get("api_key")
        if not instance or not api_key:
            raise PermanentSendError("channel is missing its Evolution instance or API key")
        base = (credentials.config.get("base_url") or self.default_base_url).rstrip("/")
        return f"{base}/message/{action}/{quote(instance, safe='')}", {"apikey": api_key}

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
            response = await post_json(client, "Evolution API", url, body, headers)
            message_id = str(_json(response).get("key", {}).get("id", "")) or message_id
        return message_id


def _json(response: httpx.Response) -> dict:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
