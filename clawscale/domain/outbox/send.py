"""One send attempt of a claimed delivery: the provider call and how it ended (no database).

The dispatcher records the outcomes, many in one transaction, and counts them in the metrics
(each outcome says how long its provider call took).
"""

import logging
import time

import httpx

from clawscale.channels.base import ChannelAdapter, SendError, TransientSendError
from clawscale.domain.outbox.dispatch import ClaimedDelivery, SendOutcome

logger = logging.getLogger(__name__)


def _failed(delivery_id: str, error: SendError | str, seconds: float | None = None) -> SendOutcome:
    transient = isinstance(error, TransientSendError)
    return SendOutcome(
        delivery_id,
        error=str(error),
        transient=transient,
        retry_after=error.retry_after if isinstance(error, TransientSendError) else None,
        seconds=seconds,
    )


async def attempt_send(
    adapters: dict[str, ChannelAdapter], client: httpx.AsyncClient, claimed: ClaimedDelivery
) -> SendOutcome:
    """Make one attempt at a claimed delivery; how it ended."""
    job = claimed.job
    if job is None:
        return _failed(claimed.delivery_id, "channel_not_found")
    adapter = adapters.get(job.credentials.kind)
    if adapter is None:
        return _failed(job.delivery_id, f"no adapter can send on {job.credentials.kind} channels")
    started = time.perf_counter()
    try:
        provider_id = await adapter.send(
            client, job.credentials, job.target, job.message, job.idempotency_key
        )
    except SendError as error:
        logger.info(
            "delivery %s attempt failed on channel %s: %s",
            job.delivery_id,
            job.credentials.channel_id,
            error,
            extra={"delivery_id": job.delivery_id, "channel_id": job.credentials.channel_id},
        )
        return _failed(job.delivery_id, error, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return SendOutcome(job.delivery_id, provider_message_id=provider_id, seconds=seconds)
