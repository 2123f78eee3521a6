"""`/api/webhooks/{kind}/{channel_id}/{token}`: provider webhooks of shared channels.

POST: 200 once every message is stored (a redelivery too: it goes nowhere); 403 `forbidden`
when the token or signature is wrong (nothing stored); 404 `channel_not_found` for an unknown,
other-kind, disconnected or archived channel; 400 `invalid_body` for a verified body that is not
JSON; 503 `storage_unavailable` when storing failed (the provider retries). GET answers the
challenge of providers that prove a URL that way (Meta). Nothing here echoes or logs a secret.

`seed_router` keeps the TypeScript gateway's provider URLs (`/gateway/evolution/whatsapp/...`,
`/gateway/ecloud/wechat/...`, `/gateway/linq/...`) for deployments switched over from it: their
providers keep posting where they did, and each path is answered by the same handler as
`/api/webhooks/{kind}/...` for its kind.
"""

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from clawscale.api.deps import EngineDep, in_group_commit
from clawscale.api.envelopes import Ok
from clawscale.api.errors import ApiError
from clawscale.api.security import SettingsDep
from clawscale.channels.registry import build_shared_adapters
from clawscale.channels.webhooks import (
    ChallengeAdapter,
    MalformedPayload,
    SharedChannelAdapter,
    WebhookRejected,
    WebhookRequest,
)
from clawscale.domain.inbound.channel_cache import ChannelChanged
from clawscale.domain.inbound.webhooks import (
    WebhookStore,
    answer_challenge,
    log_receipt,
    storage_failed,
)
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/webhooks")

WEBHOOK_PATH = "/{kind}/{channel_id}/{token}"
SEED_PREFIX = "/gateway"
SEED_PATH_KINDS = {
    "/evolution/whatsapp": "whatsapp_evolution",
    "/ecloud/wechat": "wechat_ecloud",
    "/linq": "linq",
}
seed_router = APIRouter(prefix=SEED_PREFIX, include_in_schema=False)


def _adapter(request: Request, settings: Settings, kind: str) -> SharedChannelAdapter:
    """The kind's adapter, from a registry the app builds once for its settings."""
    registry = getattr(request.app.state, "shared_adapters", None)
    if registry is None or registry[0] is not settings:
        registry = (settings, build_shared_adapters(settings))
        request.app.state.shared_adapters = registry
    adapter = registry[1].get(kind)
    if adapter is None:
        raise ApiError(404, "channel_not_found", "No such connected channel.")
    return adapter


async def _webhook_request(request: Request, token: str) -> WebhookRequest:
    return WebhookRequest(
        method=request.method,
        path_token=token,
        headers={name.lower(): value for name, value in request.headers.items()},
        query=dict(request.query_params),
        body=await request.body(),
    )


def _rejected(kind: str, channel_id: str, error: WebhookRejected) -> ApiError:
    logger.info("rejected a %s webhook for channel %s: %s", kind, channel_id, error)
    return ApiError(403, "forbidden", "The request could not be verified.")


class WebhookReceipt(BaseModel):
    """What a provider's webhook delivered: messages stored, and redeliveries seen."""

    received: int
    duplicates: int


@router.post(WEBHOOK_PATH, response_model=None, responses={200: {"model": Ok[WebhookReceipt]}})
async def provider_webhook(
    kind: str,
    channel_id: str,
    token: str,
    request: Request,
    settings: SettingsDep,
) -> JSONResponse:
    """Store the messages of one provider webhook before acknowledging it (rate-limited per
    channel: 429 with Retry-After, which providers honour by retrying later). Served by the
    app's fast lane (`api/fast_lane`); the answer is built here."""
    request.app.state.webhook_limiter.check("webhook", channel_id)
    adapter = _adapter(request, settings, kind)
    webhook = await _webhook_request(request, token)
    store = WebhookStore(settings, request.app.state.webhook_channels, adapter, channel_id, webhook)
    try:
        outcome = await in_group_commit(request, store)
    except WebhookRejected as error:
        raise _rejected(kind, channel_id, error) from None
    except MalformedPayload as error:
        raise ApiError(400, "invalid_body", "The body is not JSON.") from error
    except (SQLAlchemyError, ChannelChanged) as error:
        raise storage_failed(channel_id, error) from error
    log_receipt(channel_id, outcome)
    receipt = WebhookReceipt(received=outcome.received, duplicates=outcome.duplicates)
    return JSONResponse(Ok(data=receipt).model_dump(mode="json"))


@router.get(WEBHOOK_PATH, response_class=PlainTextResponse)
async def provider_challenge(
    kind: str,
    channel_id: str,
    token: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
) -> PlainTextResponse:
    """Echo a provider's URL challenge (only kinds whose provider sends one)."""
    adapter = _adapter(request, settings, kind)
    if not isinstance(adapter, ChallengeAdapter):
        raise ApiError(405, "method_not_allowed")
    webhook = await _webhook_request(request, token)
    try:
        challenge = await run_in_threadpool(
            answer_challenge,
            engine,
            settings,
            request.app.state.webhook_channels,
            kind,
            adapter,
            channel_id,
            webhook,
        )
    except WebhookRejected as error:
        raise _rejected(kind, channel_id, error) from None
    return PlainTextResponse(challenge)


def _seed_webhook(kind: str) -> Callable[..., Awaitable[JSONResponse]]:
    """The seed's path of one kind, answered by `provider_webhook` for that kind."""

    async def seed_webhook(
        channel_id: str, token: str, request: Request, settings: SettingsDep
    ) -> JSONResponse:
        return await provider_webhook(kind, channel_id, token, request, settings)

    return seed_webhook


for _path, _kind in SEED_PATH_KINDS.items():
    seed_router.add_api_route(
        f"{_path}/{{channel_id}}/{{token}}", _seed_webhook(_kind), methods=["POST"]
    )
