"""`POST /api/outbound`: replies pushed by the agent runtime (CONTRACT.md, "Outbound").

The answer comes once the delivery is committed to the outbox; the commit wakes the dispatchers
(NOTIFY on PostgreSQL, an in-process signal as well), which send it in conversation order and
retry it. The answer keeps the contract (`ok`, the key) and adds `"status": "queued"`.

The route is the runtime's hot path, so it takes the request itself rather than FastAPI's
dependencies and body parameter: the key check, the rate limit and pydantic's JSON validation
are called in that order, directly; the app's fast lane (`api/fast_lane`) calls it with the
settings, past FastAPI's routing. The body's schema is still published in the OpenAPI
document.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from clawscale.api.deps import in_group_commit
from clawscale.api.rate_limit import limit_per_api_key
from clawscale.api.security import SettingsDep, check_api_key
from clawscale.api.validators import absolute_http_url
from clawscale.domain.outbox.accept import DeliveryAcceptance
from clawscale.metrics import OUTBOUND_ACCEPTED

router = APIRouter()

MAX_TEXT_LENGTH = 16_000
MAX_MEDIA = 10


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


def parse_body(raw: bytes) -> OutboundBody:
    """The validated body; RequestValidationError (400 `invalid_body`) for anything else."""
    try:
        return OutboundBody.model_validate_json(raw)
    except ValidationError as error:
        issues = [{**issue, "loc": ("body", *issue["loc"])} for issue in error.errors()]
        raise RequestValidationError(issues) from None


OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": OutboundBody.model_json_schema()}},
    }
}


class Queued(BaseModel):
    """The answer once the reply is in the outbox."""

    ok: Literal[True] = True
    idempotency_key: str
    status: Literal["queued"] = "queued"


@router.post(
    "/api/outbound",
    openapi_extra=OPENAPI_BODY,
    response_model=None,
    responses={200: {"model": Queued}},
)
async def outbound(request: Request, settings: SettingsDep) -> JSONResponse:
    """Accept the reply into the outbox; a dispatcher, woken by the commit, sends it."""
    check_api_key(request, settings, "CLAWSCALE_OUTBOUND_API_KEY")
    await limit_per_api_key(request)
    body = parse_body(await request.body())
    acceptance = DeliveryAcceptance(
        body.idempotency_key, body.owner_id, body.business_conversation_key, body.stored_payload()
    )
    await in_group_commit(request, acceptance)
    OUTBOUND_ACCEPTED.inc()
    return JSONResponse(Queued(idempotency_key=body.idempotency_key).model_dump())
