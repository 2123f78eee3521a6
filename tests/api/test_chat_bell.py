"""The bell that wakes open web chat streams: rung by the commit of a new chat message in this
process (not by a rollback, nor by a repeat of a stored message), and on PostgreSQL by a NOTIFY
from another connection, as when another backend stored the message."""

import asyncio
import threading

import psycopg
import pytest
from sqlmodel import Session

from clawscale.api.chat_bell import ChatBell
from clawscale.db import session_scope
from clawscale.domain.queue.signals import CHAT_MESSAGES
from clawscale.domain.web_chat import conversations
from clawscale.domain.web_chat.visitors import chat_channel
from clawscale.workers.wakeup import _libpq_url
from tests.api.test_web_chat import web_chat
from tests.factories import SETTINGS

RUNG_WITHIN_SECONDS = 10.0
QUIET_SECONDS = 0.5


def store_message(engine, channel_id: str, client_message_id: str, *, commit: bool) -> None:
    if commit:
        with session_scope(engine) as db:
            chat = chat_channel(db, SETTINGS, channel_id)
            conversations.write(db, chat, "wv_visitor", "hello", client_message_id)
        return
    with Session(engine) as db:
        chat = chat_channel(db, SETTINGS, channel_id)
        conversations.write(db, chat, "wv_visitor", "hello", client_message_id)
        db.rollback()


async def listening(bell: ChatBell, engine) -> None:
    """The bell listening, past the ring its NOTIFY relay gives as it connects (PostgreSQL)."""
    ticket = bell.ticket()
    bell.listen(engine)
    if engine.dialect.name == "postgresql":
        await bell.wait(ticket, RUNG_WITHIN_SECONDS)
        assert ticket.is_set()


async def rung(bell: ChatBell, action, timeout: float) -> bool:
    """Whether the bell rings within `timeout` once `action` has run in another thread."""
    ticket = bell.ticket()
    worker = threading.Thread(target=action)
    worker.start()
    await asyncio.to_thread(worker.join)
    await bell.wait(ticket, timeout)
    return ticket.is_set()


async def settled(bell: ChatBell) -> None:
    """Until the bell has been quiet for QUIET_SECONDS: a commit rings it twice on PostgreSQL
    (in process, then by its NOTIFY through the relay), and the echo may come late."""
    while True:
        ticket = bell.ticket()
        await bell.wait(ticket, QUIET_SECONDS)
        if not ticket.is_set():
            return


def test_a_committed_message_rings_and_a_rollback_or_a_repeat_does_not(db, session):
    channel_id = web_chat(session).id

    async def scenario() -> tuple[bool, bool, bool]:
        bell = ChatBell()
        await listening(bell, db)
        rolled_back = await rung(
            bell, lambda: store_message(db, channel_id, "m1", commit=False), QUIET_SECONDS
        )
        committed = await rung(
            bell, lambda: store_message(db, channel_id, "m1", commit=True), RUNG_WITHIN_SECONDS
        )
        await settled(bell)
        repeated = await rung(
            bell, lambda: store_message(db, channel_id, "m1", commit=True), QUIET_SECONDS
        )
        return rolled_back, committed, repeated

    rolled_back, committed, repeated = asyncio.run(scenario())
    assert (rolled_back, committed, repeated) == (False, True, False)


def test_a_notify_from_another_process_rings(db):
    if db.dialect.name != "postgresql":
        pytest.skip("cross-process notifications are PostgreSQL's NOTIFY")

    def notify_from_elsewhere() -> None:
        with psycopg.connect(_libpq_url(db), autocommit=True) as connection:
            connection.execute("SELECT pg_notify(%s, '')", (CHAT_MESSAGES.channel,))

    async def scenario() -> bool:
        bell = ChatBell()
        await listening(bell, db)
        return await rung(bell, notify_from_elsewhere, RUNG_WITHIN_SECONDS)

    assert asyncio.run(scenario())
