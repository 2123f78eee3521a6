"""The outbox dispatcher: claims due deliveries and sends them.

Runs inside the backend process (a Reflex lifespan task) or alone (`python -m clawscale.workers`);
any number of dispatchers may share one PostgreSQL database. `run` keeps a send going
per slot client (`SlotRunner`), and in each of its turns records the outcomes that came back
and claims more for the free slots; a hanging provider holds only its own sends.
`run_once` is one pass of the same loop that waits for what it sent (as tests drive it).
"""

import logging
import os
import socket
import uuid
from functools import partial

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import ChannelAdapter
from clawscale.channels.registry import build_adapters
from clawscale.db import session_scope
from clawscale.domain.outbox.dispatch import (
    ClaimedDelivery,
    SendOutcome,
    claim_due_jobs,
    record_outcomes,
)
from clawscale.domain.outbox.send import attempt_send
from clawscale.domain.queue import leases
from clawscale.metrics import count_send
from clawscale.models import DeliveryStatus, OutboundDelivery
from clawscale.settings import Settings
from clawscale.workers.slots import SlotRunner
from clawscale.workers.tally import BatchTally
from clawscale.workers.wakeup import Wakeup

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
OUTCOME_NAMES = {
    DeliveryStatus.SUCCEEDED: "sent",
    DeliveryStatus.FAILED: "retried",
    DeliveryStatus.DEAD: "dead",
}
"""How the batch summary names each new status (None, a lease lost meanwhile: `unrecorded`)."""


def new_worker_id(role: str) -> str:
    """A unique name for a worker: role, host, process and a random part."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Sends due outbox rows."""

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
        self.tally = BatchTally(logger, "dispatcher", ("sent", "retried", "dead", "unrecorded"))

    def _claim(self, limit: int) -> list[ClaimedDelivery]:
        lease = leases.lease_length(self.settings)
        with session_scope(self.engine) as db:
            claimed = claim_due_jobs(db, self.settings, self.worker_id, limit, lease)
        self.tally.claimed(len(claimed))
        return claimed

    def _record_outcomes(self, outcomes: list[SendOutcome]) -> None:
        with session_scope(self.engine) as db:
            statuses = record_outcomes(db, outcomes, self.worker_id)
        for outcome, status in zip(outcomes, statuses, strict=True):
            count_send(status, outcome.seconds)
        self.tally.recorded(OUTCOME_NAMES.get(status, "unrecorded") for status in statuses)

    def _release_unfinished(self) -> None:
        with session_scope(self.engine) as db:
            leases.release_all_held(db, OutboundDelivery, self.worker_id)

    def _runner(self, clients: list[httpx.AsyncClient]) -> SlotRunner[ClaimedDelivery, SendOutcome]:
        return SlotRunner(
            self._claim,
            self._record_outcomes,
            partial(attempt_send, self.adapters),
            clients,
            batch_size=self.batch_size,
            stop_grace=self.settings.STOP_GRACE_SECONDS,
            release=self._release_unfinished,
        )

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One pass of `run`'s loop with `client` in every slot, waiting for every outcome;
        how many deliveries were attempted."""
        return await self._runner([client] * self.batch_size).run_pass()

    async def run(self, clients: list[httpx.AsyncClient], wakeup: Wakeup) -> None:
        """Send until cancelled, one delivery per client at once (see `SlotRunner`); then let
        sends in flight finish for STOP_GRACE_SECONDS and release the rest."""
        await self._runner(clients).run(wakeup)
