"""Who a web chat visitor is: the channel they write to, and the signed token their browser keeps.

A token is an HS256 JWT with the visitor id as subject and the channel id as audience, signed
with a key derived from the channel's `webhook_token` (so rotating that secret ends every
visitor's session) and valid for a year. A channel that is not a connected `web_chat` one is
`channel_not_found`; a site embedding the chat must be one of the channel's `allowed_origins`.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlmodel import Session

from clawscale.channels.base import ChannelCredentials
from clawscale.channels.web_chat.adapter import KIND, allowed_origins, origin_of
from clawscale.channels.webhooks import WEBHOOK_TOKEN
from clawscale.domain.channels.store import channel_credentials
from clawscale.domain.errors import Forbidden, NotFound, Unauthenticated
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.models.base import utcnow
from clawscale.settings import Settings

TOKEN_LIFETIME = timedelta(days=365)
ALGORITHM = "HS256"
VISITOR_PREFIX = "wv_"


@dataclass(frozen=True)
class ChatChannel:
    """A connected web chat channel with its opened credentials."""

    channel: Channel
    credentials: ChannelCredentials


@dataclass(frozen=True)
class NewVisitor:
    """A visitor just created, with the token their browser keeps."""

    visitor_id: str
    token: str


def chat_channel(db: Session, settings: Settings, channel_id: str) -> ChatChannel:
    """The connected web chat channel `channel_id`; NotFound `channel_not_found` otherwise."""
    channel = db.get(Channel, channel_id)
    if (
        channel is None
        or channel.kind != KIND
        or channel.scope != ChannelScope.SHARED
        or channel.status != ChannelStatus.CONNECTED
    ):
        raise NotFound("channel_not_found", "No such chat.")
    return ChatChannel(channel, channel_credentials(settings, channel))


def check_site(chat: ChatChannel, site: str) -> None:
    """A chat embedded in `site` (an origin; "" for the hosted page) must be allowed there:
    Forbidden `origin_not_allowed` otherwise."""
    if site and origin_of(site) not in allowed_origins(chat.credentials):
        raise Forbidden("origin_not_allowed", "This chat is not available on this site.")


def _signing_key(chat: ChatChannel) -> bytes:
    secret = chat.credentials.secrets.get(WEBHOOK_TOKEN, "")
    return hashlib.sha256(f"web-chat-visitor:{secret}".encode()).digest()


def new_visitor(chat: ChatChannel) -> NewVisitor:
    """A new visitor of the chat and their signed token."""
    visitor_id = VISITOR_PREFIX + secrets.token_hex(16)
    now = utcnow()
    claims = {
        "sub": visitor_id,
        "aud": chat.channel.id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
    }
    return NewVisitor(visitor_id, jwt.encode(claims, _signing_key(chat), algorithm=ALGORITHM))


def visitor_of(chat: ChatChannel, token: str) -> str:
    """The visitor id a token was issued for; Unauthenticated `invalid_visitor_token` when it is
    forged, expired, another channel's or signed before the channel's secret changed."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(chat),
            algorithms=[ALGORITHM],
            audience=chat.channel.id,
            options={"require": ["sub", "aud", "exp"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthenticated("invalid_visitor_token", "The visitor token is not valid.") from error
    visitor_id = claims.get("sub")
    if not isinstance(visitor_id, str) or not visitor_id.startswith(VISITOR_PREFIX):
        raise Unauthenticated("invalid_visitor_token", "The visitor token is not valid.")
    return visitor_id
