"""The WeChat pollers: one `getupdates` long-poll task per connected personal WeChat channel.

`WeChatPollers` runs beside the dispatcher (in the backend process or `python -m
clawscale.workers`). Every scan it renews its channel leases and takes free connected channels,
starts a task for each channel it newly holds and cancels the tasks of channels it no longer
holds (disconnected, archived, expired or taken over). Each task polls from the stored cursor,
fetches the batch's media from WeChat's CDN (`wechat_media`), and stores every batch with its
new cursor in one transaction; -14 marks the channel as needing
a new login and ends the task; other failures back off exponentially.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import SendError
from clawscale.channels.wechat_personal.adapter import (
    DEFAULT_LONG_POLL_SECONDS,
    LONG_POLL_MARGIN_SECONDS,
    ILinkSessionExpired,
    fetch_updates,
)
from clawscale.channels.wechat_personal.media import with_media
from clawscale.db import session_scope
from clawscale.domain.channels.wechat_polling import (
    hold_channels,
    poll_target,
    record_poll_error,
    record_session_expired,
    release_channels,
    store_batch,
)
from clawscale.domain.queue import leases
from clawscale.settings import Settings
from clawscale.workers.dispatcher import new_worker_id

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
SCAN_SECONDS = 2.0
MAX_CHANNELS = 1000
MAX_BACKOFF_SECONDS = 60.0
MIN_POLL_SECONDS = 1.0


class WeChatPollers:
    """Holds leases on connected WeChat channels and runs one long-poll task for each."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        scan_seconds: float = SCAN_SECONDS,
        max_channels: int = MAX_CHANNELS,
        long_poll_seconds: float = DEFAULT_LONG_POLL_SECONDS,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.lease = leases.lease_length(settings)
        self.scan_seconds = scan_seconds
        self.max_channels = max_channels
        self.long_poll_seconds = long_poll_seconds
        self.worker_id = new_worker_id("wechat-poller")
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.holding: asyncio.Future[list[str]] | None = None

    async def _in_session(self, work: Callable[..., Result], *args: object) -> Result:
        def run() -> Result:
            with session_scope(self.engine) as db:
                return work(db, *args)

        return await asyncio.to_thread(run)

    async def run(self) -> None:
        """Scan and poll until cancelled; then stop every task and give the leases back."""
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=50)
        timeout = self.long_poll_seconds + LONG_POLL_MARGIN_SECONDS
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            try:
                while True:
                    try:
                        await self.scan(client)
                    except Exception:
                        logger.exception("WeChat poller scan failed; trying again")
                    await asyncio.sleep(self.scan_seconds)
            finally:
                await self.stop()

    async def scan(self, client: httpx.AsyncClient) -> set[str]:
        """Renew and take leases; start and cancel tasks to match. The channels held."""
        self.holding = asyncio.ensure_future(
            self._in_session(hold_channels, self.worker_id, self.lease, self.max_channels)
        )
        held = set(await asyncio.shield(self.holding))
        for channel_id, task in list(self.tasks.items()):
            if task.done() or channel_id not in held:
                task.cancel()
                del self.tasks[channel_id]
        for channel_id in held - self.tasks.keys():
            self.tasks[channel_id] = asyncio.create_task(
                self.poll_channel(client, channel_id), name=f"wechat-poll:{channel_id}"
            )
        return held

    async def stop(self) -> None:
        """Cancel every task and wait for them; once a scan cut short has finished taking and
        renewing leases (its thread goes on after the cancellation), release every channel this
        worker holds, those it took in that last scan included."""
        tasks = dict(self.tasks)
        self.tasks.clear()
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        if self.holding is not None:
            await asyncio.gather(self.holding, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.shield(self._in_session(release_channels, self.worker_id))

    async def poll_channel(self, client: httpx.AsyncClient, channel_id: str) -> None:
        """Poll one channel until it stops being this worker's to poll. An unexpected error
        ends the task after a pause; the next scan starts a new one."""
        try:
            await self._poll(client, channel_id)
        except Exception:
            logger.exception("WeChat channel %s: poller failed; restarting", channel_id)
            await asyncio.sleep(MAX_BACKOFF_SECONDS / 4)

    async def _poll(self, client: httpx.AsyncClient, channel_id: str) -> None:
        failures = 0
        long_poll_seconds = self.long_poll_seconds
        while True:
            target = await self._in_session(poll_target, self.settings, channel_id, self.worker_id)
            if target is None:
                return
            started = time.monotonic()
            try:
                batch = await fetch_updates(
                    client, target.base_url, target.bot_token, target.cursor, long_poll_seconds
                )
            except ILinkSessionExpired:
                logger.info("WeChat channel %s: session expired, a new login is needed", channel_id)
                await self._in_session(
                    record_session_expired, self.settings, channel_id, self.worker_id
                )
                return
            except SendError as error:
                failures += 1
                logger.info("WeChat channel %s: polling failed: %s", channel_id, error)
                await self._in_session(record_poll_error, channel_id, self.worker_id, str(error))
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, leases.backoff_seconds(failures)))
                continue
            recovering, failures = failures > 0, 0
            long_poll_seconds = batch.long_poll_seconds
            batch = replace(batch, messages=await with_media(client, batch.messages))
            if batch.messages or batch.cursor != target.cursor or recovering:
                stored = await self._in_session(
                    store_batch, channel_id, self.worker_id, target.cursor, batch
                )
                if stored is None:
                    return
            elif time.monotonic() - started < MIN_POLL_SECONDS:
                await asyncio.sleep(MIN_POLL_SECONDS)
