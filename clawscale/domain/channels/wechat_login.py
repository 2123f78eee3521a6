"""A customer's QR login to their personal WeChat channel: database work in a thread, iLink
calls awaited in between. Shared by the API and the page, so both follow the same rules.

`start_login` checks the customer may connect, asks iLink for a QR code and records it;
`follow_login` asks iLink how the login stands (a long poll cut short after `wait_seconds`)
and records the answer: scanned, confirmed (the account is connected) or expired (the customer
asks for a new code).
"""

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clawscale.channels.base import SendError
from clawscale.channels.wechat_personal.adapter import fetch_login_progress, fetch_login_qrcode
from clawscale.db import session_scope
from clawscale.domain.channels.wechat_personal import (
    ChannelView,
    begin_login,
    channel_view,
    login_poll,
    record_login_progress,
    record_login_qrcode,
)
from clawscale.domain.errors import DomainError
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
DEFAULT_WAIT_SECONDS = 1.5
MAX_WAIT_SECONDS = 25.0


class LoginProviderError(DomainError):
    """iLink could not give a QR code now; the customer may try again."""


async def in_transaction(engine: Engine, work: Callable[[Session], Result]) -> Result:
    """Run `work(db)` in one transaction in a worker thread."""

    def run() -> Result:
        with session_scope(engine) as db:
            return work(db)

    return await asyncio.to_thread(run)


async def start_login(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, customer_id: str
) -> ChannelView:
    """A new QR login for the customer's channel (created if need be); the view with the QR.

    Raises the access decision's `Forbidden`, `Conflict` for a connected channel, and
    `LoginProviderError` when iLink does not answer with a code.
    """
    channel_id = await in_transaction(engine, lambda db: begin_login(db, settings, customer_id))
    try:
        qrcode = await fetch_login_qrcode(client, settings.WECHAT_ILINK_BASE_URL)
    except SendError as error:
        logger.warning("no WeChat login QR code for channel %s: %s", channel_id, error)
        raise LoginProviderError(
            "ilink_unavailable", "WeChat did not give a login QR code; try again."
        ) from error
    return await in_transaction(
        engine, lambda db: record_login_qrcode(db, settings, channel_id, qrcode)
    )


async def follow_login(
    engine: Engine,
    settings: Settings,
    client: httpx.AsyncClient,
    customer_id: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> ChannelView:
    """Ask iLink how the customer's QR login stands, record it, and return the view.

    Without a login under way this only reads the view; when iLink fails, the login stays as
    it was and the next call asks again.
    """
    login = await in_transaction(engine, lambda db: login_poll(db, settings, customer_id))
    if login is not None:
        wait = min(max(wait_seconds, 0.1), MAX_WAIT_SECONDS)
        try:
            progress = await fetch_login_progress(
                client, settings.WECHAT_ILINK_BASE_URL, login.qrcode, wait
            )
        except SendError as error:
            logger.info("WeChat login status of channel %s unknown: %s", login.channel_id, error)
        else:
            await in_transaction(
                engine, lambda db: record_login_progress(db, settings, login, progress)
            )
    return await in_transaction(engine, lambda db: channel_view(db, settings, customer_id))
