"""The inbound worker: provisions pending customers at their runtime and forwards due events.

Runs beside the dispatcher, in the backend process or alone (`python -m clawscale.workers`).
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import SendError, TransientSendError, post_json
from clawscale.db import session_scope
from clawscale.domain.forward_outcomes import ForwardOutcome, parse_runtime_reply, record_outcomes
from clawscale.domain.forwarding import ClaimedEvent, RuntimeCall, claim_forward_calls
from clawscale.domain.provisioning import (
    claim_due_bindings,
    provisioning_call,
    record_provision_failure,
    record_provisioned,
)
from clawscale.settings import Settings
from clawscale.workers.dispatcher import new_worker_id

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
Result = TypeVar("Result")


async def call_runtime(client: httpx.AsyncClient, call: RuntimeCall) -> object:
    """POST to the runtime; its JSON answer (None when empty or not JSON), or a SendError."""
    headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
    response = await post_json(client, "agent runtime", call.url, call.body, headers)
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


class InboundWorker:
    """One pass provisions due bindings, then forwards a batch of due events: one transaction
    claims the batch with its runtime requests, the requests go out side by side, and one
    transaction records how they went."""

    def __init__(self, engine: Engine, settings: Settings, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.settings = settings
        self.batch_size = batch_size
        self.worker_id = new_worker_id("inbound")
        self.lease = timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)

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
            logger.info("provisioning binding %s failed: %s", binding_id, error)
            await self._in_session(record_provision_failure, binding_id, self.worker_id, str(error))
            return
        await self._in_session(record_provisioned, binding_id, self.worker_id)

    async def _forward(
        self, client: httpx.AsyncClient, event_id: str, call: RuntimeCall
    ) -> ForwardOutcome:
        try:
            answer = await call_runtime(client, call)
        except SendError as error:
            retry_after = error.retry_after if isinstance(error, TransientSendError) else None
            logger.info("forwarding event %s failed: %s", event_id, error)
            return ForwardOutcome(event_id, error=str(error), retry_after=retry_after)
        return ForwardOutcome(event_id, reply=parse_runtime_reply(answer))

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One pass; how many bindings and events were attempted."""
        bindings = await self._in_session(
            claim_due_bindings, self.worker_id, self.batch_size, self.lease
        )
        await asyncio.gather(*(self._provision(client, binding_id) for binding_id in bindings))
        claimed: list[ClaimedEvent] = await self._in_session(
            claim_forward_calls, self.settings, self.worker_id, self.batch_size, self.lease
        )
        outcomes = await asyncio.gather(
            *(self._forward(client, item.event_id, item.call) for item in claimed if item.call)
        )
        if outcomes:
            await self._in_session(record_outcomes, list(outcomes), self.worker_id)
        return len(bindings) + len(claimed)
