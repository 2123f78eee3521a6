"""The messages of a visitor's web chat: writing (through the one inbound path), the agent's
replies as the dispatcher delivers them, the history a page reads and the new messages it
follows.

A message is stored once per (channel, visitor, dedupe key): the visitor's `client_message_id`,
so a resend after a lost answer is the same message (and the same inbound event), or the
outbox's idempotency key, so a retried delivery is one reply. Messages are ordered by
(created_at, id) and named to pages by a cursor that sorts the same way.

Following: a commit can land after a later-timed one (two writers, a slow transaction), so a
follower reads back `LATE_COMMIT_WINDOW` before the newest message it has given and skips the
ids it already gave; the page de-duplicates by id as well.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from clawscale.channels.base import InboundMessage
from clawscale.db import insert_unless_exists
from clawscale.domain.errors import Invalid, NotFound
from clawscale.domain.inbound.intake import route_inbound_message
from clawscale.domain.queue.signals import CHAT_MESSAGES
from clawscale.domain.web_chat.visitors import ChatChannel
from clawscale.models import EndUser, WebChatMessage, WebChatRole
from clawscale.models.base import UTCDateTime, utcnow

VISITOR_NAME = "Web visitor"
LATE_COMMIT_WINDOW = timedelta(seconds=10)
MICROSECONDS = 1_000_000


def cursor_of(message: WebChatMessage) -> str:
    """The message's place in its chat, as an opaque string that sorts in time order."""
    return f"{round(message.created_at.timestamp() * MICROSECONDS):017d}.{message.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    stamp, _, message_id = cursor.partition(".")
    if not stamp.isdigit() or not message_id:
        raise Invalid("invalid_cursor", "The cursor is not one this chat gave.")
    return datetime.fromtimestamp(int(stamp) / MICROSECONDS, UTC), message_id


def _existing(db: Session, chat: ChatChannel, visitor_id: str, dedupe_key: str) -> WebChatMessage:
    return db.exec(
        select(WebChatMessage).where(
            WebChatMessage.channel_id == chat.channel.id,
            WebChatMessage.visitor_id == visitor_id,
            WebChatMessage.dedupe_key == dedupe_key,
        )
    ).one()


def _store(db: Session, chat: ChatChannel, message: WebChatMessage) -> tuple[WebChatMessage, bool]:
    """The message stored (its followers told on commit), or the one stored before under its
    key; whether it is new."""
    if insert_unless_exists(db, message):
        CHAT_MESSAGES.announce(db)
        return message, True
    return _existing(db, chat, message.visitor_id, message.dedupe_key), False


def write(
    db: Session, chat: ChatChannel, visitor_id: str, text: str, client_message_id: str
) -> WebChatMessage:
    """Store the visitor's message and route it to the agent like any channel's message; the
    stored message (the first one, when `client_message_id` was used before)."""
    message, new = _store(
        db,
        chat,
        WebChatMessage(
            channel_id=chat.channel.id,
            visitor_id=visitor_id,
            role=WebChatRole.VISITOR,
            text=text,
            dedupe_key=f"visitor:{client_message_id}",
        ),
    )
    if new:
        inbound = InboundMessage(
            provider_message_id=f"{visitor_id}:{client_message_id}",
            sender_id=visitor_id,
            sender_name=VISITOR_NAME,
            text=text,
        )
        route_inbound_message(db, chat.channel, inbound)
    return message


def deliver(
    db: Session,
    chat: ChatChannel,
    visitor_id: str,
    text: str,
    media_urls: list[str],
    idempotency_key: str,
) -> WebChatMessage:
    """Store the agent's reply to a visitor of the chat (once per idempotency key); NotFound
    `visitor_not_found` for a visitor who never wrote to it."""
    known = db.exec(
        select(EndUser.id).where(
            EndUser.channel_id == chat.channel.id, EndUser.external_id == visitor_id
        )
    ).first()
    if known is None:
        raise NotFound("visitor_not_found", "No such visitor in this chat.")
    reply = WebChatMessage(
        channel_id=chat.channel.id,
        visitor_id=visitor_id,
        role=WebChatRole.AGENT,
        text=text,
        media_urls=media_urls,
        dedupe_key=f"agent:{idempotency_key}",
    )
    return _store(db, chat, reply)[0]


def _of_visitor(channel_id: str, visitor_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(WebChatMessage.channel_id) == channel_id,
        col(WebChatMessage.visitor_id) == visitor_id,
    )


@dataclass(frozen=True)
class HistoryPage:
    """Messages oldest first, and the cursor of the page before them (None: none is left)."""

    items: list[WebChatMessage]
    next_before: str | None


def history(
    db: Session, channel_id: str, visitor_id: str, before: str | None, limit: int
) -> HistoryPage:
    """The `limit` newest messages of the visitor's chat before the cursor `before` (or the
    newest of all); Invalid `invalid_cursor` for a cursor this chat did not give."""
    newest_first = (col(WebChatMessage.created_at).desc(), col(WebChatMessage.id).desc())
    statement = select(WebChatMessage).where(_of_visitor(channel_id, visitor_id))
    if before is not None:
        at, message_id = _parse_cursor(before)
        statement = statement.where(
            sa.tuple_(col(WebChatMessage.created_at), col(WebChatMessage.id))
            < sa.tuple_(sa.literal(at, UTCDateTime()), sa.literal(message_id))
        )
    rows = list(db.exec(statement.order_by(*newest_first).limit(limit + 1)).all())
    page = rows[:limit]
    next_before = cursor_of(page[-1]) if len(rows) > limit else None
    return HistoryPage(items=page[::-1], next_before=next_before)


@dataclass
class ChatFollower:
    """Finds the messages of one visitor's chat a page has not been given yet."""

    channel_id: str
    visitor_id: str
    after: str | None = None
    _since: datetime = field(init=False)
    _given: dict[str, datetime] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._since = _parse_cursor(self.after)[0] if self.after else utcnow()

    def new_messages(self, db: Session) -> list[WebChatMessage]:
        """The messages stored since the last call (or the cursor), oldest first."""
        window_start = self._since - LATE_COMMIT_WINDOW
        rows = db.exec(
            select(WebChatMessage)
            .where(
                _of_visitor(self.channel_id, self.visitor_id),
                col(WebChatMessage.created_at) >= window_start,
            )
            .order_by(col(WebChatMessage.created_at), col(WebChatMessage.id))
        ).all()
        fresh = [row for row in rows if row.id not in self._given]
        for row in fresh:
            self._given[row.id] = row.created_at
            self._since = max(self._since, row.created_at)
        horizon = self._since - 2 * LATE_COMMIT_WINDOW
        self._given = {key: at for key, at in self._given.items() if at >= horizon}
        return fresh
