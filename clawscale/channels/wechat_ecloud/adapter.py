"""`wechat_ecloud`: a WeChat account hosted by GeWe (the "ecloud" WeChat API).

Config: `app_id` (GeWe's device/app id), optional `base_url`; secret: `gewe_token` (the
`X-GEWE-TOKEN` header). Every GeWe answer is HTTP 200 with the outcome in `ret`: 200 is success.

Send: `POST /gewe/v2/api/message/postText` `{appId, toWxid, content}`; an image goes out with
`postImage` `{appId, toWxid, imgUrl}` after any caption; voice needs SILK audio GeWe cannot fetch
from a URL, so it is sent as `Attachment: <url>` lines. A refusal (`ret != 200`) is retried: GeWe
does not tell a lasting failure from a passing one, and the outbox bounds the attempts.

Inbound: the callback carries no signature, so the path token (compared in constant time) is the
proof. Callbacks use the ecloud shape `{"wcId", "messageType", "data": {"self", "fromUser",
"toUser", "content", "msgId", "newMsgId", "nickName"?}}`; private text (60001) and quoted replies
(60014) are routed when `data.self` is exactly `false` and neither party is a `@chatroom`. The
message id is `newMsgId`, else `msgId`.

Assumptions (GeWe's public docs and client libraries): `connect` calls
`POST /gewe/v2/api/tools/setCallback` `{token, callbackUrl}`; GeWe has no call that removes a
callback, so `disconnect` changes nothing at GeWe: the channel stops being `connected` and its
webhook then answers 404, which GeWe treats as a failed delivery.
"""

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
    post_json,
)
from clawscale.channels.provider_http import call_provider, json_object
from clawscale.channels.webhooks import (
    ChannelDataUpdate,
    KindSchema,
    ProviderError,
    WebhookRequest,
    as_dict,
    as_text,
    base_url,
)

KIND = "wechat_ecloud"
PROVIDER = "GeWe"
API_PREFIX = "/gewe/v2/api"
SUCCESS = 200
ROUTED_TYPES = frozenset({"60001", "60014"})
GROUP_SUFFIX = "@chatroom"


def _message_type(document: dict[str, object]) -> str:
    """`messageType` (the ecloud name; `MsgType` or `TypeName` in some deployments)."""
    for name in ("messageType", "MsgType", "TypeName"):
        value = as_text(document.get(name))
        if value:
            return value
    return ""


def _inbound(document: dict[str, object]) -> InboundMessage | None:
    if _message_type(document) not in ROUTED_TYPES:
        return None
    data = as_dict(document.get("data"))
    if data.get("self") is not False:
        return None
    sender = as_text(data.get("fromUser"))
    recipient = as_text(data.get("toUser"))
    if not sender or sender.endswith(GROUP_SUFFIX) or recipient.endswith(GROUP_SUFFIX):
        return None
    message_id = as_text(data.get("newMsgId")) or as_text(data.get("msgId"))
    text = as_text(data.get("content"))
    if not message_id or not text:
        return None
    return InboundMessage(
        provider_message_id=message_id,
        sender_id=sender,
        sender_name=as_text(data.get("nickName")),
        text=text,
    )


@dataclass(frozen=True)
class GeWeAdapter:
    """Sends through GeWe and receives its message callbacks."""

    default_base_url: str
    kind: str = KIND
    schema: ClassVar[KindSchema] = KindSchema(
        required_config=("app_id",), required_secrets=("gewe_token",)
    )

    def _url(self, credentials: ChannelCredentials, action: str) -> str:
        return f"{base_url(credentials, self.default_base_url)}{API_PREFIX}/{action}"

    def _headers(self, credentials: ChannelCredentials) -> dict[str, str]:
        return {"X-GEWE-TOKEN": credentials.secrets.get("gewe_token", "")}

    def _requests(
        self, app_id: str, target: SendTarget, message: OutboundMessage
    ) -> list[tuple[str, dict[str, object]]]:
        to = {"appId": app_id, "toWxid": target.external_id}
        if message.message_type is MessageType.IMAGE:
            caption = [("message/postText", {**to, "content": message.text})]
            images = [("message/postImage", {**to, "imgUrl": url}) for url in message.media_urls]
            return (caption if message.text else []) + images
        return [("message/postText", {**to, "content": message.text_with_attachment_lines()})]

    async def send(
        self,
        client: httpx.AsyncClient,
        credentials: ChannelCredentials,
        target: SendTarget,
        message: OutboundMessage,
        idempotency_key: str,
    ) -> str:
        """Send each part; the `newMsgId` (or `msgId`) of the last one."""
        app_id = credentials.config.get("app_id", "")
        if not app_id or not credentials.secrets.get("gewe_token"):
            raise PermanentSendError("channel is missing its GeWe app id or token")
        message_id = ""
        for action, body in self._requests(app_id, target, message):
            response = await post_json(
                client, PROVIDER, self._url(credentials, action), body, self._headers(credentials)
            )
            document = json_object(response)
            if document.get("ret") != SUCCESS:
                raise TransientSendError(f"{PROVIDER} answered ret={as_text(document.get('ret'))}")
            data = as_dict(document.get("data"))
            message_id = as_text(data.get("newMsgId")) or as_text(data.get("msgId")) or message_id
        return message_id

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """GeWe signs nothing: the path token (checked for every kind) is the proof."""

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """A private text or quoted reply someone else sent; nothing for other callbacks."""
        message = _inbound(as_dict(payload))
        return [message] if message is not None else []

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Set the token's message callback to our URL."""
        token = credentials.secrets.get("gewe_token", "")
        document = await call_provider(
            client,
            PROVIDER,
            "POST",
            self._url(credentials, "tools/setCallback"),
            headers=self._headers(credentials),
            body={"token": token, "callbackUrl": webhook_url},
        )
        if document.get("ret") != SUCCESS:
            ret = as_text(document.get("ret"))
            raise ProviderError(f"{PROVIDER} refused the callback (ret={ret})")
        return ChannelDataUpdate()

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Nothing to call: GeWe cannot remove a callback (see the module notes)."""
        return ChannelDataUpdate()
