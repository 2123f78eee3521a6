"""Builds the gateway's FastAPI app and attaches it in front of Reflex's backend."""

import json
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from clawscale import __version__
from clawscale.api import (
    admin,
    auth,
    customer,
    health,
    internal,
    outbound,
    public,
    retired,
    webhooks,
)
from clawscale.api.errors import install_error_handlers

API_PREFIXES = ("/api", "/health", "/metrics", *retired.RETIRED_PREFIXES)
NOT_FOUND_BODY = json.dumps({"ok": False, "error": "not_found"}).encode()


def _owns_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


async def _json_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(NOT_FOUND_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": NOT_FOUND_BODY})


def _fallback(downstream: ASGIApp | None) -> ASGIApp:
    """Unmatched requests: JSON 404 on our namespaces, Reflex's own app for the rest."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (downstream is None or _owns_path(scope["path"])):
            await _json_not_found(scope, receive, send)
            return
        if downstream is not None:
            await downstream(scope, receive, send)

    return route


def build_api(engine: Engine, downstream: ASGIApp | None = None) -> FastAPI:
    """The gateway API over `engine`; requests it does not own go to `downstream`."""
    api = FastAPI(
        title="ClawScale Gateway",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.state.engine = engine
    install_error_handlers(api)
    for module in (
        health,
        retired,
        auth,
        customer,
        public,
        webhooks,
        admin,
        internal,
        outbound,
    ):
        api.include_router(module.router)
    api.router.default = _fallback(downstream)
    return api


def reflex_api_transformer(engine: Engine) -> Callable[[ASGIApp], ASGIApp]:
    """An `api_transformer` for `rx.App` that puts the gateway API in front of Reflex."""

    def transform(reflex_backend: ASGIApp) -> ASGIApp:
        return build_api(engine, downstream=reflex_backend)

    return transform
