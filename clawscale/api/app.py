"""Builds the gateway's FastAPI app and attaches it in front of Reflex's backend."""

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from clawscale import __version__
from clawscale.api import (
    admin,
    admin_agents,
    admin_deliveries,
    admin_directory,
    admin_shared_channels,
    auth,
    calendar_import,
    customer,
    customer_wechat,
    demo_agent,
    handoff,
    health,
    internal,
    metrics,
    outbound,
    provider_webhooks,
    public,
    retired,
    web_chat,
    webhooks,
)
from clawscale.api.body_limit import BodySizeLimit
from clawscale.api.chat_bell import ChatBell
from clawscale.api.errors import install_error_handlers
from clawscale.api.fast_lane import FastLane, FastRoute
from clawscale.api.raw_responses import json_body, send_json
from clawscale.api.security_headers import SecurityHeaders
from clawscale.domain.inbound.channel_cache import ChannelCache
from clawscale.domain.rate_limits import (
    shared_api_key_limiter,
    shared_auth_limiter,
    shared_sign_in_limiter,
    shared_web_chat_limits,
    shared_webhook_limiter,
)
from clawscale.group_commit import GroupCommit
from clawscale.metrics import database_registry
from clawscale.settings import Environment, get_settings

API_PREFIXES = (
    "/api",
    "/health",
    "/metrics",
    provider_webhooks.SEED_PREFIX,
    *retired.RETIRED_PREFIXES,
)
NOT_FOUND_BODY = json_body({"ok": False, "error": "not_found"})
FAST_ROUTES = (
    FastRoute("/api/outbound", outbound.outbound),
    FastRoute(
        provider_webhooks.router.prefix + provider_webhooks.WEBHOOK_PATH,
        provider_webhooks.provider_webhook,
    ),
)
"""The machine-driven routes answered before FastAPI's routing (`api/fast_lane`); the seed's
provider URLs (`/gateway/...`), kept for switch-overs, go through FastAPI."""


def _owns_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def _fallback(downstream: ASGIApp | None) -> ASGIApp:
    """Unmatched requests: JSON 404 on our namespaces, Reflex's own app for the rest."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (downstream is None or _owns_path(scope["path"])):
            await send_json(send, 404, NOT_FOUND_BODY)
            return
        if downstream is not None:
            await downstream(scope, receive, send)

    return route


def build_api(engine: Engine, downstream: ASGIApp | None = None) -> FastAPI:
    """The gateway API over `engine`; requests it does not own go to `downstream`."""
    settings = get_settings()
    api = FastAPI(
        title="ClawScale Gateway",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.state.engine = engine
    api.state.metrics_registry = database_registry(engine)
    api.state.rate_limiter = shared_auth_limiter()
    api.state.sign_in_limiter = shared_sign_in_limiter()
    api.state.api_key_limiter = shared_api_key_limiter()
    api.state.webhook_limiter = shared_webhook_limiter()
    api.state.webhook_channels = ChannelCache()
    api.state.group_commit = GroupCommit(engine)
    api.state.web_chat_limits = shared_web_chat_limits()
    api.state.demo_pushes = set()
    api.state.chat_bell = ChatBell()
    api.add_middleware(FastLane, api=api, routes=FAST_ROUTES)
    api.add_middleware(BodySizeLimit)
    api.add_middleware(
        SecurityHeaders, strict_transport=settings.CLAWSCALE_ENV is Environment.PRODUCTION
    )
    install_error_handlers(api)
    # Routes are matched in this order: the machine-driven, high-volume ones come first.
    for module in (
        outbound,
        webhooks,
        provider_webhooks,
        web_chat,
        health,
        retired,
        auth,
        handoff,
        customer,
        customer_wechat,
        public,
        admin,
        admin_agents,
        admin_deliveries,
        admin_directory,
        admin_shared_channels,
        internal,
        demo_agent,
        metrics,
    ):
        api.include_router(module.router)
    for router in (
        provider_webhooks.seed_router,
        calendar_import.internal_router,
        calendar_import.handoff_router,
        calendar_import.import_router,
    ):
        api.include_router(router)
    api.router.default = _fallback(downstream)
    return api


def reflex_api_transformer(engine: Engine) -> Callable[[ASGIApp], ASGIApp]:
    """An `api_transformer` for `rx.App` that puts the gateway API in front of Reflex."""

    def transform(reflex_backend: ASGIApp) -> ASGIApp:
        return build_api(engine, downstream=reflex_backend)

    return transform
