"""`wechat_personal`: a customer's own WeChat account through WeChat's iLink bot API (send side).

Config: `baseurl` (the account's API base from the QR login), `ilink_bot_id`; secret: `bot_token`.
Replies echo the inbound message's `context_token`; the delivery's idempotency key is the
`client_id`. iLink answers HTTP 200 with the outcome in `ret`/`errcode`: -14 means the login
expired (permanent until the customer scans again); other non-zero codes are retried.
"""

import base64
import secrets
from dataclasses import dataclass

import httpx

from clawscale.channels.base import (
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
    post_json,
)
from clawscale.domain.channel_store import ChannelCredentials

KIND = "wechat_personal"
CHANNEL_VERSION = "clawscale-gateway/1"
SESSION_EXPIRED = -14
BOT_MESSAGE = 2
MESSAGE_FINISHED = 2
TEXT_ITEM = 1


class ILinkSessionExpired(PermanentSendError):
    """The account's login expired (-14): a new QR login is needed."""


def ilink_headers(bot_token: str | None) -> dict[str, str]:
    """The headers iLink expects on every call (a fresh X-WECHAT-UIN each time)."""
    uin = base64.b64encode(str(secrets.randbits(32)).encode()).decode()
    headers = {"AuthorizationType": "ilink_bot_token", "X-WECHAT-UIN": uin}
    if bot_token:
        headers["Authorization"] = f"Bearer {bot_token}"
    return headers


def ilink_result_code(document: object) -> int:
    """`ret` (or `errcode`) of an iLink answer; 0 means success."""
    if not isinstance(document, dict):
        return -1
    code = document.get("ret", document.get("errcode", 0))
    return code if isinstance(code, int) else -1


@dataclass(frozen=True)
class ILinkAdapter:
    """Sends replies through the account's iLink bot session."""

    default_base_url: str
    kind: str = KIND

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send the text (media as `Attachment:` lines); the client id on success."""
        bot_token = credentials.secrets.get("bot_token")
        if not bot_token:
            raise ILinkSessionExpired("the WeChat account is not logged in")
        base = (credentials.config.get("baseurl") or self.default_base_url).rstrip("/")
        body: dict[str, object] = {
            "msg": {
                "from_user_id": "",
                "to_user_id": target.external_id,
                "client_id": idempotency_key,
                "message_type": BOT_MESSAGE,
                "message_state": MESSAGE_FINISHED,
                "context_token": str(target.provider_context.get("context_token", "")),
                "item_list": [
                    {"type": TEXT_ITEM, "text_item": {"text": message.text_with_attachment_lines()}}
                ],
            },
            "base_info": {"channel_version": CHANNEL_VERSION},
        }
        response = await post_json(
            client, "iLink", f"{base}/ilink/bot/sendmessage", body, ilink_headers(bot_token)
        )
        try:
            code = ilink_result_code(response.json())
        except ValueError:
            code = -1
        if code == SESSION_EXPIRED:
            raise ILinkSessionExpired("iLink session expired (-14)")
        if code != 0:
            raise TransientSendError(f"iLink answered ret={code}")
        return idempotency_key
