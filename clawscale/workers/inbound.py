"""The inbound worker: provisions pending customers at their runtime and forwards due events.

Runs beside the dispatcher, in the backend process or alone (`python -m clawscale.workers`).
`run` keeps a runtime call going per slot client (`SlotRunner`), so an agent that takes its
time to answer holds only its own customer's messages; each of its turns records the forwards'
outcomes that came back and claims more.
`run_once` is one pass of the same loop that waits for every call (as tests drive it).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import (
    PermanentSendError,
    SendError,
    TransientSendError,
)
from clawscale.db import session_scope
from clawscale.domain.queue import leases
from clawscale.domain.runtime.client import RuntimeTimedOut, call_runtime
from clawscale.domain.runtime.forwarding import ClaimedEvent, RuntimeCall, claim_forward_calls
from clawscale.domain.runtime.outcomes import ForwardOutcome, parse_runtime_reply, record_outcomes
from clawscale.domain.runtime.provisioning import (
    claim_due_bindings,
    provisioning_call,
    record_provision_failure,
    record_provisioned,
    release_stranded_events,
)
from clawscale.models import AgentBinding, InboundEvent
from clawscale.settings import Settings
from clawscale.workers.dispatcher import new_worker_id
from clawscale.workers.slots import SlotRunner
from clawscale.workers.tally import BatchTally
from clawscale.workers.wakeup import Wakeup

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
"""Most items one turn claims. With 64 slots a turn has about 32 free: draining a backlog on two
cores (`bench.drain inbound`, alternated runs), claiming up to 50 instead of 20 took the
worker's CPU a forward from 1.01 to 0.95 ms and PostgreSQL's from 0.21 to 0.17 ms, and drained
840-918 events/s against 693-810."""
SWEEP_SECONDS = 10.0
"""How often a worker looks for parked events whose binding is ready (`release_stranded_events`)."""
Result = TypeVar("Result")


@dataclass(frozen=True)
class Provisioning:
    """A binding this worker holds, to provision at the runtime."""

    binding_id: str


def _outcome_name(outcome: ForwardOutcome) -> str:
    """How the batch summary names a forward's end."""
    if outcome.unanswered is not None:
        return "unanswered"
    return "failed" if outcome.error is not None else "forwarded"


def _ids(item: Provisioning | ClaimedEvent) -> dict[str, str]:
    """The id a log line about `item` carries."""
    if isinstance(item, Provisioning):
        return {"binding_id": item.binding_id}
    return {"event_id": item.event_id}


class InboundWorker:
    """One pass provisions due bindings, then forwards a batch of due events: one transaction
    claims the batch with its runtime requests, the requests go out side by side, and one
    transaction records how they went."""

    def __init__(self, engine: Engine, settings: Settings, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.settings = settings
        self.batch_size = batch_size
        self.worker_id = new_worker_id("inbound")
        self.lease = leases.lease_length(settings)
        self._next_sweep = 0.0
        self.tally = BatchTally(logger, "inbound", ("forwarded", "failed", "unanswered"))

    def _sweep_when_due(self) -> None:
        """Release stranded parked events, at most once per SWEEP_SECONDS."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        with session_scope(self.engine) as db:
            released = release_stranded_events(db)
        if released:
            logger.warning("released %d parked events whose binding was ready", released)

    def _record_outcomes(self, outcomes: list[ForwardOutcome]) -> None:
        with session_scope(self.engine) as db:
            record_outcomes(db, outcomes, self.worker_id)
        self.tally.recorded(_outcome_name(outcome) for outcome in outcomes)

    async def _in_session(self, work: Callable[..., Result], *args: object) -> Result:
        def run() -> Result:
            with session_scope(self.engine) as db:
                return work(db, *args)

        return await asyncio.to_thread(run)

    async def _provision(self, client: httpx.AsyncClient, binding_id: str) -> None:
        call = await self._in_session(provisioning_call, self.settings, binding_id)
        if call is None:
            await self._in_session(
                record_provision_failure, binding_id, self.worker_id, "agent_or_customer_gone"
            )
            return
        try:
            await call_runtime(client, call)
        except SendError as error:
            logger.info(
                "provisioning binding %s failed: %s",
                binding_id,
                error,
                extra={"binding_id": binding_id},
            )
            await self._in_session(
                partial(record_provision_failure, permanent=isinstance(error, PermanentSendError)),
                binding_id,
                self.worker_id,
                str(error),
            )
            return
        await self._in_session(record_provisioned, binding_id, self.worker_id)

    async def _forward(
        self, client: httpx.AsyncClient, event_id: str, call: RuntimeCall
    ) -> ForwardOutcome:
        try:
            answer = await call_runtime(client, call)
        except RuntimeTimedOut as error:
            logger.warning(
                "event %s reached the runtime but got no answer: %s",
                event_id,
                error,
                extra={"event_id": event_id},
            )
            return ForwardOutcome(event_id, unanswered=str(error))
        except SendError as error:
            retry_after = error.retry_after if isinstance(error, TransientSendError) else None
            logger.info(
                "forwarding event %s failed: %s", event_id, error, extra={"event_id": event_id}
            )
            return ForwardOutcome(event_id, error=str(error), retry_after=retry_after)
        return ForwardOutcome(event_id, reply=parse_runtime_reply(answer))

    def _claim_work(self, limit: int) -> list[Provisioning | ClaimedEvent]:
        """Up to `limit` bindings to provision and events to forward, bindings first, in one
        transaction."""
        self._sweep_when_due()
        with session_scope(self.engine) as db:
            bindings = claim_due_bindings(db, self.worker_id, limit, self.lease)
            work: list[Provisioning | ClaimedEvent] = [Provisioning(item) for item in bindings]
            if len(work) < limit:
                work += claim_forward_calls(
                    db, self.settings, self.worker_id, limit - len(work), self.lease
                )
        self.tally.claimed(len(work))
        return work

    async def _handle(
        self, client: httpx.AsyncClient, item: Provisioning | ClaimedEvent
    ) -> ForwardOutcome | None:
        """Provision a binding (recorded here), or forward an event (its outcome recorded on
        the runner's next turn)."""
        try:
            if isinstance(item, Provisioning):
                await self._provision(client, item.binding_id)
            elif item.call is not None:
                return await self._forward(client, item.event_id, item.call)
        except Exception:
            logger.exception("inbound work %s failed; its lease will lapse", item, extra=_ids(item))
        return None

    def _release_unfinished(self) -> None:
        with session_scope(self.engine) as db:
            for model in (InboundEvent, AgentBinding):
                leases.release_all_held(db, model, self.worker_id)

    def _runner(
        self, clients: list[httpx.AsyncClient]
    ) -> SlotRunner[Provisioning | ClaimedEvent, ForwardOutcome]:
        return SlotRunner(
            self._claim_work,
            self._record_outcomes,
            self._handle,
            clients,
            batch_size=self.batch_size,
            stop_grace=self.settings.STOP_GRACE_SECONDS,
            release=self._release_unfinished,
        )

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One pass of `run`'s loop with `client` in every slot, waiting for every call; how
        many bindings and events were attempted."""
        return await self._runner([client] * self.batch_size).run_pass()

    async def run(self, clients: list[httpx.AsyncClient], wakeup: Wakeup) -> None:
        """Provision and forward until cancelled, one call per client at once; then let calls
        in flight finish for STOP_GRACE_SECONDS and release the rest."""
        await self._runner(clients).run(wakeup)
