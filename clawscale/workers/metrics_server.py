"""The standalone workers' metrics port: the backend's `/metrics` text, on WORKER_METRICS_PORT.

Off unless WORKER_METRICS_PORT is set; listens on WORKER_METRICS_HOST (loopback by default).
With METRICS_API_KEY set, only `Authorization: Bearer <METRICS_API_KEY>` is answered, as on
the backend. A small threaded HTTP server on a daemon thread, so a scrape never waits on the
workers' event loop (and the database read behind the queue figures never blocks it).
"""

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from sqlalchemy.engine import Engine

from clawscale.crypto import constant_time_equal
from clawscale.metrics import database_registry, exposition
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not logged: one every few seconds would drown the workers' lines."""


def _bearer(environ: dict[str, Any]) -> str | None:
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def metrics_app(
    database: CollectorRegistry, api_key: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app answering `GET /metrics` (401 without the bearer when `api_key` is set)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if api_key and not constant_time_equal(api_key, _bearer(environ)):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"unauthorized\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [exposition(database)]

    return app


def start_metrics_server(engine: Engine, settings: Settings) -> WSGIServer | None:
    """Serve the metrics on WORKER_METRICS_HOST:WORKER_METRICS_PORT from a daemon thread
    (the server, or None when the port is off)."""
    if not settings.WORKER_METRICS_PORT:
        return None
    server = make_server(
        settings.WORKER_METRICS_HOST,
        settings.WORKER_METRICS_PORT,
        metrics_app(database_registry(engine), settings.METRICS_API_KEY),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info(
        "metrics on http://%s:%d/metrics",
        settings.WORKER_METRICS_HOST,
        settings.WORKER_METRICS_PORT,
    )
    return server
