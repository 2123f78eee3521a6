"""`POST /api/outbound`: replies pushed by the agent runtime (CONTRACT.md, "Outbound").

The delivery is committed to the outbox before any send; then one attempt is made at once when
the delivery is first in its conversation. The answer keeps the contract (`ok`, the key) and adds
the delivery's `status`: `succeeded`, or `queued` when the dispatcher will (re)try it.
"""

import uuid
from datetime import timedelta
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.engine import Engine

from clawscale.api.deps import EngineDep
from clawscale.api.errors import error_response
from clawscale.api.rate_limit import limit_per_api_key
from clawscale.api.security import SettingsDep, require_api_key
from clawscale.api.validators import absolute_http_url
from clawscale.channels.registry import build_adapters
from clawscale.db import session_scope
from clawscale.domain.dispatch import SendJob, claim_delivery, send_job_for
from clawscale.domain.outbound import accept_delivery
from clawscale.domain.send import attempt_send
from clawscale.metrics import OUTBOUND_ACCEPTED
from clawscale.models import Channel, DeliveryStatus
from clawscale.settings import Settings

router = APIRouter(
    dependencies=[
        Depends(require_api_key("CLAWSCALE_OUTBOUND_API_KEY")),
        Depends(limit_per_api_key),
    ]
)

MAX_TEXT_LENGTH = 16_000
MAX_MEDIA = 10
SEND_TIMEOUT_SECONDS = 15.0


Required = Annotated[str, Field(min_length=1, max_length=255)]
MediaUrl = Annotated[str, Field(max_length=2048), AfterValidator(absolute_http_url)]


class OutboundBody(BaseModel):
    """The runtime's reply; unknown extra fields are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    output_id: Required
    customer_id: Required | None = None
    account_id: Required | None = None
    business_conversation_key: Required
    message_type: Literal["text", "image", "voice"]
    delivery_mode: Literal["push", "request_response"]
    expect_output_timestamp: str | int | float
    idempotency_key: Required
    trace_id: Required
    text: Annotated[str | None, Field(max_length=MAX_TEXT_LENGTH)] = None
    mediaUrls: Annotated[list[MediaUrl] | None, Field(max_length=MAX_MEDIA)] = None
    audioAsVoice: bool | None = None
    causal_inbound_event_id: Annotated[str | None, Field(max_length=255)] = None

    @model_validator(mode="after")
    def _consistent(self) -> "OutboundBody":
        if self.customer_id and self.account_id and self.customer_id != self.account_id:
            raise ValueError("customer_id and account_id differ")
        if not (self.customer_id or self.account_id):
            raise ValueError("customer_id (or account_id) is required")
        has_text = bool(self.text and self.text.strip())
        if not has_text and not self.mediaUrls:
            raise ValueError("text or mediaUrls is required")
        if self.message_type in ("image", "voice") and not self.mediaUrls:
            raise ValueError(f"{self.message_type} messages need mediaUrls")
        if self.message_type == "voice":
            self.audioAsVoice = True
        return self

    @property
    def owner_id(self) -> str:
        """The customer the reply belongs to."""
        return self.customer_id or self.account_id or ""

    def stored_payload(self) -> dict[str, object]:
        """The payload kept on the outbox row (with the customer id under one name)."""
        payload = self.model_dump(mode="json", exclude_none=True, exclude={"account_id"})
        payload["customer_id"] = self.owner_id
        return payload


def _accept_and_claim(
    engine: Engine, settings: Settings, body: OutboundBody, worker_id: str
) -> tuple[str, SendJob | None, bool]:
    """Store the delivery and, when it heads its conversation, claim it for a first attempt,
    in one transaction: (delivery id, its send job, whether it was claimed)."""
    lease = timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    with session_scope(engine) as db:
        acceptance = accept_delivery(
            db,
            body.idempotency_key,
            body.owner_id,
            body.business_conversation_key,
            body.stored_payload(),
        )
        delivery_id = acceptance.delivery_id
        if not claim_delivery(db, delivery_id, worker_id, lease):
            return delivery_id, None, False
        channel = db.get(Channel, acceptance.delivery.channel_id)
        job = send_job_for(settings, acceptance.delivery, channel) if channel else None
        return delivery_id, job, True


async def http_client(request: Request) -> httpx.AsyncClient:
    """The API's shared client for provider calls."""
    client = getattr(request.app.state, "http_client", None)
    if client is None:
        client = httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS)
        request.app.state.http_client = client
    return client


@router.post("/api/outbound")
async def outbound(
    body: OutboundBody,
    engine: EngineDep,
    settings: SettingsDep,
    client: Annotated[httpx.AsyncClient, Depends(http_client)],
) -> JSONResponse:
    """Accept the reply into the outbox, then try to send it once right away."""
    worker_id = f"api:{uuid.uuid4().hex}"
    delivery_id, job, claimed = await run_in_threadpool(
        _accept_and_claim, engine, settings, body, worker_id
    )
    OUTBOUND_ACCEPTED.inc()
    status: DeliveryStatus | None = None
    if claimed:
        status = await attempt_send(
            engine, build_adapters(settings), client, delivery_id, job, worker_id
        )
    if status == DeliveryStatus.DEAD:
        return error_response(
            502,
            "delivery_failed",
            "The channel refused this message.",
            idempotency_key=body.idempotency_key,
            status=status,
        )
    return JSONResponse(
        {
            "ok": True,
            "idempotency_key": body.idempotency_key,
            "status": "succeeded" if status == DeliveryStatus.SUCCEEDED else "queued",
        }
    )
