"""`wechat_personal`: a customer's own WeChat account through WeChat's iLink bot API.

The iLink calls the gateway makes, each a small function over an `httpx.AsyncClient`:
- login by QR code: `fetch_login_qrcode` (`get_bot_qrcode`) and `fetch_login_progress`
  (`get_qrcode_status`, a long poll: wait -> scaned -> confirmed, or expired);
- receiving: `fetch_updates` (`getupdates`, a long poll with an opaque cursor), whose messages
  `inbound_message` turns into the gateway's `InboundMessage`;
- sending: `ILinkAdapter.send` (`sendmessage`).

Config: `baseurl` (the account's API base from the QR login), `ilink_bot_id`, `ilink_user_id`;
secret: `bot_token`. Replies echo the inbound message's `context_token`; the delivery's
idempotency key is the `client_id`. iLink answers HTTP 200 with the outcome in `ret`/`errcode`:
-14 means the login expired (`ILinkSessionExpired`, permanent until the customer scans again);
other non-zero codes, HTTP errors and network failures are `TransientSendError`s, retried.
The bot token is sent only in the Authorization header; it is never logged or put in an error.
"""

import base64
import hashlib
import json
import mimetypes
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

from clawscale.channels.base import (
    ChannelCredentials,
    InboundMessage,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
    media_attachment,
    post_json,
    raise_for_http_status,
)

KIND = "wechat_personal"
PROVIDER = "iLink"
CHANNEL_VERSION = "clawscale-gateway/1"
SESSION_EXPIRED = -14
USER_MESSAGE = 1
BOT_MESSAGE = 2
MESSAGE_FINISHED = 2
TEXT_ITEM = 1
ITEM_KINDS = {1: "text", 2: "image", 3: "voice", 4: "file", 5: "video"}
MEDIA_DEFAULTS = {
    "image": ("image.jpg", "image/jpeg"),
    "voice": ("voice.silk", "audio/silk"),
    "video": ("video.mp4", "video/mp4"),
    "file": ("file", ""),
}
"""Each media item's filename and content type when the item names none (iLink sends images as
JPEG, voice as SILK, video as MP4)."""
QR_BOT_TYPE = "3"
LOGIN_CLIENT_VERSION = "1"
DEFAULT_LONG_POLL_SECONDS = 35.0
LONG_POLL_MARGIN_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10.0


class ILinkSessionExpired(PermanentSendError):
    """The account's login expired (-14): a new QR login is needed."""


class LoginStatus(StrEnum):
    """Where a QR login stands (iLink's own spelling: `scaned`)."""

    WAIT = "wait"
    SCANNED = "scaned"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LoginQRCode:
    """A fresh login QR code: its id (for status polls) and the content to encode as a QR."""

    qrcode: str
    content: str


@dataclass(frozen=True)
class LoginAccount:
    """What a confirmed login yields: the bot session and the account ids."""

    bot_token: str = field(repr=False)
    ilink_bot_id: str
    baseurl: str
    ilink_user_id: str


@dataclass(frozen=True)
class LoginProgress:
    """One answer of the status long poll; `account` only when confirmed."""

    status: LoginStatus
    account: LoginAccount | None = None


@dataclass(frozen=True)
class UpdateBatch:
    """One `getupdates` answer: the messages to store, the cursor after them, and how long the
    server says it holds the next poll."""

    messages: tuple[InboundMessage, ...]
    cursor: str
    long_poll_seconds: float


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


def ilink_document(response: httpx.Response) -> dict[str, object]:
    """The JSON body of a successful iLink answer; -14 and other codes raise."""
    try:
        document = response.json()
    except ValueError as error:
        raise TransientSendError(f"{PROVIDER} answered something that is not JSON") from error
    code = ilink_result_code(document)
    if code == SESSION_EXPIRED:
        raise ILinkSessionExpired(f"{PROVIDER} session expired ({SESSION_EXPIRED})")
    if code != 0:
        raise TransientSendError(f"{PROVIDER} answered ret={code}")
    assert isinstance(document, dict)
    return document


def _base(url: str) -> str:
    return url.rstrip("/")


def _timeout(read_seconds: float) -> httpx.Timeout:
    return httpx.Timeout(read_seconds, connect=min(read_seconds, CONNECT_TIMEOUT_SECONDS))


async def _get(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    timeout: httpx.Timeout | None = None,
) -> dict[str, object]:
    """GET an iLink login endpoint; a timeout propagates, other failures are classified."""
    try:
        response = await client.get(url, params=params, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise
    except httpx.HTTPError as error:
        raise TransientSendError(f"{PROVIDER} unreachable: {type(error).__name__}") from error
    raise_for_http_status(response, PROVIDER)
    return ilink_document(response)


async def fetch_login_qrcode(client: httpx.AsyncClient, base_url: str) -> LoginQRCode:
    """Ask for a new login QR code (`get_bot_qrcode`)."""
    try:
        document = await _get(
            client,
            f"{_base(base_url)}/ilink/bot/get_bot_qrcode",
            {"bot_type": QR_BOT_TYPE},
            ilink_headers(None),
        )
    except httpx.TimeoutException as error:
        raise TransientSendError(f"{PROVIDER} timed out giving a QR code") from error
    qrcode, content = document.get("qrcode"), document.get("qrcode_img_content")
    if not isinstance(qrcode, str) or not qrcode or not isinstance(content, str) or not content:
        raise TransientSendError(f"{PROVIDER} answered a QR code without its id or content")
    return LoginQRCode(qrcode=qrcode, content=content)


def _confirmed_account(document: dict[str, object]) -> LoginAccount:
    values = {
        name: document.get(name)
        for name in ("bot_token", "ilink_bot_id", "baseurl", "ilink_user_id")
    }
    if not values["bot_token"] or not isinstance(values["bot_token"], str):
        raise TransientSendError(f"{PROVIDER} confirmed a login without a bot token")
    return LoginAccount(**{name: str(value or "") for name, value in values.items()})


async def fetch_login_progress(
    client: httpx.AsyncClient, base_url: str, qrcode: str, wait_seconds: float
) -> LoginProgress:
    """Ask how a QR login stands (`get_qrcode_status`, held by iLink while nothing changes).

    A poll still held after `wait_seconds` counts as `wait`; statuses this gateway does not
    handle (redirects, verify codes) count as `wait` too.
    """
    try:
        document = await _get(
            client,
            f"{_base(base_url)}/ilink/bot/get_qrcode_status",
            {"qrcode": qrcode},
            {**ilink_headers(None), "iLink-App-ClientVersion": LOGIN_CLIENT_VERSION},
            _timeout(wait_seconds),
        )
    except httpx.TimeoutException:
        return LoginProgress(LoginStatus.WAIT)
    try:
        status = LoginStatus(str(document.get("status")))
    except ValueError:
        return LoginProgress(LoginStatus.WAIT)
    if status is LoginStatus.CONFIRMED:
        return LoginProgress(status, _confirmed_account(document))
    return LoginProgress(status)


def _item_text(item: dict[str, object], key: str) -> str:
    inner = item.get(key)
    text = inner.get("text") if isinstance(inner, dict) else None
    return text if isinstance(text, str) else ""


def _fallback_message_id(raw: dict[str, object]) -> str:
    """A stable id for a message that came without `message_id` (so redeliveries dedupe)."""
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _media(kind: str, item: dict[str, object]) -> dict[str, object]:
    """An iLink media item as an attachment descriptor, the item itself kept under `item`."""
    detail = item.get(f"{kind}_item")
    detail = detail if isinstance(detail, dict) else {}
    default_name, default_type = MEDIA_DEFAULTS.get(kind, ("attachment", ""))
    filename = detail.get("file_name")
    filename = filename if isinstance(filename, str) and filename else default_name
    content_type = mimetypes.guess_type(filename)[0] if kind == "file" else default_type
    return media_attachment(
        kind,
        filename=filename,
        content_type=content_type or "application/octet-stream",
        size=detail.get("file_size", detail.get("len")),
        item=item,
    )


def inbound_message(raw: object) -> InboundMessage | None:
    """A WeixinMessage as an `InboundMessage`; None for our own bot's messages and junk.

    Text items (and a voice item's transcript) make the text; other items become attachment
    descriptors (`_media`): their kind, filename, content type and size, and the iLink item.
    """
    if not isinstance(raw, dict) or raw.get("message_type") == BOT_MESSAGE:
        return None
    sender = raw.get("from_user_id")
    if not isinstance(sender, str) or not sender:
        return None
    texts: list[str] = []
    attachments: list[dict[str, object]] = []
    items = raw.get("item_list")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        item_type = item.get("type")
        kind = ITEM_KINDS.get(item_type, "unknown") if isinstance(item_type, int) else "unknown"
        if kind == "text":
            texts.append(_item_text(item, "text_item"))
            continue
        attachments.append(_media(kind, item))
        if kind == "voice" and _item_text(item, "voice_item"):
            texts.append(_item_text(item, "voice_item"))
    message_id = raw.get("message_id")
    context_token = raw.get("context_token")
    return InboundMessage(
        provider_message_id=str(message_id)
        if message_id not in (None, "")
        else _fallback_message_id(raw),
        sender_id=sender,
        text="\n".join(text for text in texts if text),
        attachments=tuple(attachments),
        provider_context={"context_token": context_token} if context_token else {},
    )


async def fetch_updates(
    client: httpx.AsyncClient,
    base_url: str,
    bot_token: str,
    cursor: str,
    long_poll_seconds: float = DEFAULT_LONG_POLL_SECONDS,
) -> UpdateBatch:
    """One `getupdates` long poll from `cursor`; a poll the server held past its own timeout
    is an empty batch at the same cursor."""
    body: dict[str, object] = {
        "get_updates_buf": cursor,
        "base_info": {"channel_version": CHANNEL_VERSION},
    }
    try:
        response = await client.post(
            f"{_base(base_url)}/ilink/bot/getupdates",
            json=body,
            headers=ilink_headers(bot_token),
            timeout=_timeout(long_poll_seconds + LONG_POLL_MARGIN_SECONDS),
        )
    except httpx.TimeoutException:
        return UpdateBatch((), cursor, long_poll_seconds)
    except httpx.HTTPError as error:
        raise TransientSendError(f"{PROVIDER} unreachable: {type(error).__name__}") from error
    raise_for_http_status(response, PROVIDER)
    document = ilink_document(response)
    raw_messages = document.get("msgs")
    listed = raw_messages if isinstance(raw_messages, list) else []
    parsed = (inbound_message(raw) for raw in listed)
    new_cursor = document.get("get_updates_buf")
    timeout_ms = document.get("longpolling_timeout_ms")
    return UpdateBatch(
        messages=tuple(message for message in parsed if message is not None),
        cursor=new_cursor if isinstance(new_cursor, str) and new_cursor else cursor,
        long_poll_seconds=timeout_ms / 1000
        if isinstance(timeout_ms, int | float) and timeout_ms > 0
        else long_poll_seconds,
    )


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
        base = _base(credentials.config.get("baseurl") or self.default_base_url)
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
            client, PROVIDER, f"{base}/ilink/bot/sendmessage", body, ilink_headers(bot_token)
        )
        ilink_document(response)
        return idempotency_key
