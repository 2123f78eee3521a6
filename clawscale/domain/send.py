"""One send attempt of a claimed delivery: database work in a thread, provider I/O awaited.

Shared by the outbound route (the first, inline attempt) and the dispatcher (every retry).
"""

import asyncio
import logging
import time

import httpx
from sqlalchemy.engine import Engine

from clawscale.channels.base import ChannelAdapter, SendError, TransientSendError
from clawscale.db import session_scope
from clawscale.domain.dispatch import SendJob, load_send_job, record_failure, record_success
from clawscale.metrics import OUTBOUND_DEAD, OUTBOUND_RETRIED, OUTBOUND_SENT, SEND_SECONDS
from clawscale.models import DeliveryStatus
from clawscale.settings import Settings

logger = logging.getLogger(__name__)


def _load(engine: Engine, settings: Settings, delivery_id: str) -> SendJob | None:
    with session_scope(engine) as db:
        return load_send_job(db, settings, delivery_id)


def _success(
    engine: Engine, delivery_id: str, worker_id: str, provider_id: str
) -> DeliveryStatus | None:
    with session_scope(engine) as db:
        return record_success(db, delivery_id, worker_id, provider_id)


def _failure(
    engine: Engine, delivery_id: str, worker_id: str, error: SendError | str
) -> DeliveryStatus | None:
    transient = isinstance(error, TransientSendError)
    retry_after = error.retry_after if isinstance(error, TransientSendError) else None
    with session_scope(engine) as db:
        return record_failure(
            db, delivery_id, worker_id, str(error), transient=transient, retry_after=retry_after
        )


OUTCOME_COUNTERS = {
    DeliveryStatus.SUCCEEDED: OUTBOUND_SENT,
    DeliveryStatus.FAILED: OUTBOUND_RETRIED,
    DeliveryStatus.DEAD: OUTBOUND_DEAD,
}


def _counted(status: DeliveryStatus | None) -> DeliveryStatus | None:
    counter = OUTCOME_COUNTERS.get(status) if status else None
    if counter is not None:
        counter.inc()
    return status


async def attempt_send(
    engine: Engine,
    adapters: dict[str, ChannelAdapter],
    client: httpx.AsyncClient,
    delivery_id: str,
    job: SendJob | None,
    worker_id: str,
) -> DeliveryStatus | None:
    """Make one attempt with a loaded job (None: the channel is gone); the new status."""
    if job is None:
        failure = await asyncio.to_thread(
            _failure, engine, delivery_id, worker_id, "channel_not_found"
        )
        return _counted(failure)
    adapter = adapters.get(job.credentials.kind)
    if adapter is None:
        message = f"no adapter can send on {job.credentials.kind} channels"
        return _counted(await asyncio.to_thread(_failure, engine, delivery_id, worker_id, message))
    started = time.perf_counter()
    try:
        provider_id = await adapter.send(
            client, job.credentials, job.target, job.message, job.idempotency_key
        )
    except SendError as error:
        SEND_SECONDS.observe(time.perf_counter() - started)
        logger.info("delivery %s attempt failed: %s", delivery_id, error)
        return _counted(await asyncio.to_thread(_failure, engine, delivery_id, worker_id, error))
    SEND_SECONDS.observe(time.perf_counter() - started)
    return _counted(await asyncio.to_thread(_success, engine, delivery_id, worker_id, provider_id))


async def send_claimed_delivery(
    engine: Engine,
    settings: Settings,
    adapters: dict[str, ChannelAdapter],
    client: httpx.AsyncClient,
    delivery_id: str,
    worker_id: str,
) -> DeliveryStatus | None:
    """Load a claimed delivery and make one attempt; the new status (None: lease lost)."""
    job = await asyncio.to_thread(_load, engine, settings, delivery_id)
    return await attempt_send(engine, adapters, client, delivery_id, job, worker_id)
