"""The outbox dispatcher: claims due deliveries and sends them.

Runs inside the backend process (a Reflex lifespan task) or alone (`python -m clawscale.workers`);
any number of dispatchers may share one PostgreSQL database.
"""

import asyncio
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

BATCH_SIZE = 20


def new_worker_id(role: str) -> str:
    """A unique name for a worker: role, host, process and a random part."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Sends due outbox rows, one batch per pass."""

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
