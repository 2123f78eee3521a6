"""`/api/webchat/{channel_id}`: the chat API of `web_chat` channels (docs/web_chat.md).

Visitors are created (`POST /visitors`), write (`POST /messages`), read their history
(`GET /messages`) and follow new messages (`GET /stream`, server-sent events) with the token
they were given; the dispatcher delivers the agent's replies (`POST /deliveries`, with the
channel's webhook token). A page embedded in another site names it in `X-Web-Chat-Site`, and
only the channel's `allowed_origins` are served (403 `origin_not_allowed`). Every count is
bounded (`rate_limits.WebChatLimits`): 429 `rate_limited` with Retry-After.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.api.chat_bell import ChatBell
from clawscale.api.deps import EngineDep, in_transaction
from clawscale.api.envelopes import Ok
from clawscale.api.rate_limit import ClientAddressDep
from clawscale.api.security import SettingsDep, bearer_token
from clawscale.channels.webhooks import WEBHOOK_TOKEN
from clawscale.crypto import constant_time_equal
from clawscale.domain.errors import Unauthenticated
from clawscale.domain.rate_limits import WebChatLimits
from clawscale.domain.web_chat import conversations
from clawscale.domain.web_chat.conversations import ChatFollower, cursor_of
from clawscale.domain.web_chat.visitors import (
    ChatChannel,
    chat_channel,
    check_site,
    new_visitor,
    visitor_of,
)
from clawscale.models import WebChatMessage
from clawscale.settings import Settings

router = APIRouter(prefix="/api/webchat/{channel_id}")

SITE_HEADER = "x-web-chat-site"
MAX_TEXT_LENGTH = 4000
MAX_REPLY_LENGTH = 16_000
MAX_MEDIA = 10
STREAM_FALLBACK_POLL_SECONDS = 5.0
STREAM_KEEPALIVE_SECONDS = 15.0
STREAM_LIFETIME_SECONDS = 600.0

MediaUrl = Annotated[str, Field(max_length=2048)]


class ChatInfo(BaseModel):
    """What a visitor's page shows of the chat."""

    channel_id: str
    name: str


class VisitorIssued(BaseModel):
    """A new visitor and the token their browser keeps."""

    visitor_id: str
    visitor_token: str


class ChatMessagePublic(BaseModel):
    """One message as the visitor's page shows it; `id` is its cursor."""

    id: str
    role: Literal["visitor", "agent"]
    text: str
    media_urls: list[str]
    created_at: datetime

    @classmethod
    def of(cls, message: WebChatMessage) -> "ChatMessagePublic":
        """The public form of a stored message."""
        return cls(
            id=cursor_of(message),
            role=message.role.value,
            text=message.text,
            media_urls=message.media_urls,
            created_at=message.created_at,
        )


class HistoryPublic(BaseModel):
    """A page of history, oldest first, and the cursor of the page before it."""

    items: list[ChatMessagePublic]
    next_before: str | None


class WriteBody(BaseModel):
    """A visitor's message; the same `client_message_id` again is the same message."""

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH)
    ]
    client_message_id: Annotated[str, Field(min_length=1, max_length=100)]


class DeliveryBody(BaseModel):
    """An agent's reply as the dispatcher delivers it."""

    visitor_id: Annotated[str, Field(min_length=1, max_length=40)]
    text: Annotated[str, Field(max_length=MAX_REPLY_LENGTH)] = ""
    media_urls: Annotated[list[MediaUrl], Field(max_length=MAX_MEDIA)] = []
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)]


class Delivered(BaseModel):
    """The stored reply."""

    message_id: str


def _chat_for_site(db: Session, settings: Settings, channel_id: str, site: str) -> ChatChannel:
    chat = chat_channel(db, settings, channel_id)
    check_site(chat, site)
    return chat


def _site(request: Request) -> str:
    return request.headers.get(SITE_HEADER, "").strip()


def _visitor(chat: ChatChannel, token: str | None) -> str:
    if not token:
        raise Unauthenticated("invalid_visitor_token", "The visitor token is not valid.")
    return visitor_of(chat, token)


def _limits(request: Request) -> WebChatLimits:
    return request.app.state.web_chat_limits


@router.get("")
async def chat_info(
    channel_id: str, request: Request, engine: EngineDep, settings: SettingsDep
) -> Ok[ChatInfo]:
    """The chat's name; 404 `channel_not_found` unless a connected web chat channel."""
    site = _site(request)
    chat = await in_transaction(engine, lambda db: _chat_for_site(db, settings, channel_id, site))
    return Ok(data=ChatInfo(channel_id=chat.channel.id, name=chat.channel.name))


@router.post("/visitors", status_code=201)
async def create_visitor(
    channel_id: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    address: ClientAddressDep,
) -> Ok[VisitorIssued]:
    """A new visitor of the chat, with their token."""
    site = _site(request)
    chat = await in_transaction(engine, lambda db: _chat_for_site(db, settings, channel_id, site))
    _limits(request).check_new_visitor(channel_id, address)
    visitor = new_visitor(chat)
    return Ok(data=VisitorIssued(visitor_id=visitor.visitor_id, visitor_token=visitor.token))


@router.post("/messages", status_code=201)
async def write_message(
    channel_id: str,
    body: WriteBody,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
) -> Ok[ChatMessagePublic]:
    """Store the visitor's message (once per `client_message_id`) and route it to the agent."""
    site, token = _site(request), bearer_token(request)

    def write(db: Session) -> WebChatMessage:
        chat = _chat_for_site(db, settings, channel_id, site)
        visitor_id = _visitor(chat, token)
        _limits(request).check_message(channel_id, visitor_id)
        return conversations.write(db, chat, visitor_id, body.text, body.client_message_id)

    return Ok(data=ChatMessagePublic.of(await in_transaction(engine, write)))


@router.get("/messages")
async def read_history(
    channel_id: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    before: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Ok[HistoryPublic]:
    """A page of the visitor's history, newest page first, oldest message first within it."""
    site, token = _site(request), bearer_token(request)

    def read(db: Session) -> conversations.HistoryPage:
        chat = _chat_for_site(db, settings, channel_id, site)
        visitor_id = _visitor(chat, token)
        _limits(request).check_read(channel_id, visitor_id)
        return conversations.history(db, channel_id, visitor_id, before, limit)

    page = await in_transaction(engine, read)
    items = [ChatMessagePublic.of(message) for message in page.items]
    return Ok(data=HistoryPublic(items=items, next_before=page.next_before))


def _event(message: WebChatMessage) -> str:
    public = ChatMessagePublic.of(message)
    return f"id: {public.id}\nevent: message\ndata: {public.model_dump_json()}\n\n"


async def _follow(
    request: Request, engine: Engine, follower: ChatFollower, bell: ChatBell
) -> AsyncIterator[str]:
    """Every new message as an event, read when the bell rings (or on the fallback timer); a
    comment now and then; the end after a while (the browser reconnects with the last id)."""
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    yield "retry: 2000\n\n"
    while loop.time() - started < STREAM_LIFETIME_SECONDS:
        if await request.is_disconnected():
            return
        ticket = bell.ticket()
        for message in await in_transaction(engine, follower.new_messages):
            last_sent = loop.time()
            yield _event(message)
        if loop.time() - last_sent >= STREAM_KEEPALIVE_SECONDS:
            last_sent = loop.time()
            yield ": still here\n\n"
        await bell.wait(ticket, STREAM_FALLBACK_POLL_SECONDS)


@router.get("/stream", response_class=StreamingResponse)
async def stream(
    channel_id: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    token: Annotated[str, Query(max_length=2000)] = "",
    after: Annotated[str | None, Query(max_length=100)] = None,
    site: Annotated[str, Query(max_length=300)] = "",
) -> StreamingResponse:
    """The visitor's new messages as server-sent events, from Last-Event-ID when the browser
    reconnects, else `after`. EventSource sends no headers: the token and the embedding site
    come in the query (`token`, `site`)."""
    site = site or _site(request)
    resume_from = request.headers.get("last-event-id") or after or None

    def open_stream(db: Session) -> ChatFollower:
        chat = _chat_for_site(db, settings, channel_id, site)
        visitor_id = _visitor(chat, token or bearer_token(request))
        _limits(request).check_read(channel_id, visitor_id)
        return ChatFollower(channel_id, visitor_id, resume_from)

    follower = await in_transaction(engine, open_stream)
    bell: ChatBell = request.app.state.chat_bell
    bell.listen(engine)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _follow(request, engine, follower, bell), media_type="text/event-stream", headers=headers
    )


@router.post("/deliveries")
async def deliver(
    channel_id: str,
    body: DeliveryBody,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
) -> Ok[Delivered]:
    """Store an agent's reply for the visitor (the dispatcher's send); the same key again is
    the same message. 401 unless the bearer is the channel's webhook token."""
    token = bearer_token(request) or ""

    def store(db: Session) -> WebChatMessage:
        chat = chat_channel(db, settings, channel_id)
        if not constant_time_equal(chat.credentials.secrets.get(WEBHOOK_TOKEN, ""), token):
            raise Unauthenticated("unauthorized", "The delivery token is not valid.")
        return conversations.deliver(
            db, chat, body.visitor_id, body.text, body.media_urls, body.idempotency_key
        )

    message = await in_transaction(engine, store)
    return Ok(data=Delivered(message_id=message.id))
