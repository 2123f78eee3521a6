"""One send attempt of a claimed delivery: the provider call and how it ended (no database).

The dispatcher records the outcomes, many in one transaction; `count_outcome` keeps the
metrics of what was recorded.
"""

import logging
import time

import httpx

from clawscale.channels.base import ChannelAdapter, SendError, TransientSendError
from clawscale.domain.dispatch import ClaimedDelivery, SendOutcome
from clawscale.metrics import OUTBOUND_DEAD, OUTBOUND_RETRIED, OUTBOUND_SENT, SEND_SECONDS
from clawscale.models import DeliveryStatus

logger = logging.getLogger(__name__)

OUTCOME_COUNTERS = {
    DeliveryStatus.SUCCEEDED: OUTBOUND_SENT,
    DeliveryStatus.FAILED: OUTBOUND_RETRIED,
    DeliveryStatus.DEAD: OUTBOUND_DEAD,
}


def count_outcome(status: DeliveryStatus | None) -> None:
    """Count a recorded outcome in the metrics."""
    counter = OUTCOME_COUNTERS.get(status) if status else None
    if counter is not None:
        counter.inc()


def _failed(delivery_id: str, error: SendError | str) -> SendOutcome:
    transient = isinstance(error, TransientSendError)
    return SendOutcome(
        delivery_id,
        error=str(error),
        transient=transient,
        retry_after=error.retry_after if isinstance(error, TransientSendError) else None,
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
        logger.info("delivery %s attempt failed: %s", job.delivery_id, error)
        return _failed(job.delivery_id, error)
    finally:
        SEND_SECONDS.observe(time.perf_counter() - started)
    return SendOutcome(job.delivery_id, provider_message_id=provider_id)
