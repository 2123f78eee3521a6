"""The outbox dispatcher: claims due deliveries and sends them, forever.

Runs inside the backend process (a Reflex lifespan task) or alone (`python -m clawscale.workers`);
any number of dispatchers may share one PostgreSQL database.
"""

import asyncio
import logging
import os
import socket
import uuid
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import ChannelAdapter
from clawscale.channels.registry import build_adapters
from clawscale.db import session_scope
from clawscale.domain.dispatch import claim_due_deliveries
from clawscale.domain.send import send_claimed_delivery
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
IDLE_SECONDS = 0.5
SEND_TIMEOUT_SECONDS = 15.0


def new_worker_id(role: str) -> str:
    """A unique name for a worker: role, host, process and a random part."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Sends due outbox rows; `run_once` is one pass, `run_forever` loops until cancelled."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        adapters: dict[str, ChannelAdapter] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.adapters = adapters if adapters is not None else build_adapters(settings)
        self.batch_size = batch_size
        self.worker_id = new_worker_id("dispatcher")

    def _claim(self) -> list[str]:
        lease = timedelta(seconds=self.settings.DELIVERY_LEASE_SECONDS)
        with session_scope(self.engine) as db:
            return claim_due_deliveries(db, self.worker_id, self.batch_size, lease)

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Claim and send one batch; how many deliveries were attempted."""
        claimed = await asyncio.to_thread(self._claim)
        await asyncio.gather(
            *(
                send_claimed_delivery(
                    self.engine, self.settings, self.adapters, client, delivery_id, self.worker_id
                )
                for delivery_id in claimed
            )
        )
        return len(claimed)

    async def run_forever(self, idle_seconds: float = IDLE_SECONDS) -> None:
        """Send whatever is due; sleep briefly when nothing is. Errors are logged, not fatal."""
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS) as client:
            while True:
                try:
                    attempted = await self.run_once(client)
                except Exception:
                    logger.exception("dispatcher pass failed; trying again")
                    attempted = 0
                if attempted == 0:
                    await asyncio.sleep(idle_seconds)
