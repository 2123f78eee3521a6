"""The machine-driven hot routes (the runtime's replies, the providers' webhooks) served
without FastAPI's routing, dependency and exception layers.

A `FastLane` sits inside the app's own middleware (body-size limit, security headers), in
front of FastAPI's router. A request it recognises (method and path of a `FastRoute`) goes
straight to the route's endpoint, the same function FastAPI has registered for that path,
called with the path's parameters, the `Request` and the app's settings (as `current_settings`
resolves them, overrides included). What the endpoint raises is answered by the app's own
exception handlers, so the answers are the ones FastAPI would give; anything else goes on to
FastAPI. The routes stay registered with FastAPI too, which publishes them in the OpenAPI
document. The endpoints return their `Response` themselves.

In a profile, FastAPI's layers between the middleware and the endpoint (route matching, two
exit stacks, dependency solving, exception wrapping) were about a quarter of the API process's
CPU on these routes; here a request costs a regular expression or two. Measured in one process,
a reply costs about 0.17 ms of CPU less through the lane (docs/benchmark_history.md).
"""

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from clawscale.api.security import current_settings

Endpoint = Callable[..., Awaitable[Response]]
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


@dataclass(frozen=True)
class FastRoute:
    """A path (FastAPI's syntax, `{name}` parameters) answered by `endpoint` for `method`."""

    path: str
    endpoint: Endpoint
    method: str = "POST"
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_path(self.path)[0])


class FastLane:
    """ASGI middleware answering `routes` itself for `api` (its settings provider and
    exception handlers); every other request goes on to `app`."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, routes: tuple[FastRoute, ...]) -> None:
        self.app = app
        self.api = api
        self.routes = routes

    def match(self, scope: Scope) -> tuple[FastRoute, dict[str, str]] | None:
        """The lane's route for an HTTP request's scope, with the path's parameters."""
        for route in self.routes:
            if scope["method"] != route.method:
                continue
            matched = route.pattern.match(scope["path"])
            if matched is not None:
                return route, matched.groupdict()
        return None

    async def _settings(self) -> Any:
        provider = self.api.dependency_overrides.get(current_settings, current_settings)
        settings = provider()
        return await settings if inspect.isawaitable(settings) else settings

    def _handler(self, error: Exception) -> ExceptionHandler | None:
        for kind in type(error).__mro__:
            handler = self.api.exception_handlers.get(kind)
            if handler is not None:
                return handler
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.match(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        route, parameters = found
        request = Request(scope, receive)
        try:
            response = await route.endpoint(
                request=request, settings=await self._settings(), **parameters
            )
        except Exception as error:
            handler = self._handler(error)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)
