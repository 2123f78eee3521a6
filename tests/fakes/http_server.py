"""A tiny JSON HTTP server on 127.0.0.1 with scripted routes that records every request.

A fake provider is a `FakeHTTPServer` with handlers for the paths the real provider serves,
speaking its documented wire format; the code under test is pointed at `server.url`.
`hang(method, path)` makes a route accept requests and never answer them (a peer that hangs).
A handler that holds a request (a long poll) can ask `request.client_gone()` whether the client
has closed its connection meanwhile; such a request gets no answer. A request whose body ends
before its `Content-Length` (its client died mid-send) is counted in `incomplete` and never
reaches a handler, as a real server drops it.
"""

import json
import select
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SHUTDOWN_POLL_SECONDS = 0.05
"""How often the serving loop checks for shutdown (the standard library's 0.5 s made stopping
each fake take about a third of a second)."""


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    client_gone: Callable[[], bool] = field(default=lambda: False, repr=False, compare=False)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")


@dataclass
class FakeResponse:
    """What a handler answers: a status, a JSON-able body (or raw bytes, sent as they are) and
    extra headers."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[RecordedRequest], FakeResponse]


def peer_closed(connection: socket.socket) -> bool:
    """Whether the client has closed `connection` while its request is held (it may send
    nothing more before the answer, so readable means closed)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class FakeHTTPServer:
    """Routes (method, path) to handlers; unknown routes answer 404; all requests are kept."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[RecordedRequest] = []
        self.observers: list[Callable[[RecordedRequest], None]] = []
        self.hanging: set[tuple[str, str]] = set()
        self.held_now = 0
        self.most_held_at_once = 0
        self.incomplete = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=partial(self._server.serve_forever, poll_interval=SHUTDOWN_POLL_SECONDS),
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Answer `method path` with `handler`."""
        self.routes[(method.upper(), path)] = handler

    def hang(self, method: str, path: str) -> None:
        """Record `method path` requests but never answer them (until `release`)."""
        self._released.clear()
        self.hanging.add((method.upper(), path))

    def release(self) -> None:
        """Stop hanging: held requests are dropped unanswered, later ones handled normally."""
        self.hanging.clear()
        self._released.set()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _hold(self) -> None:
        with self._lock:
            self.held_now += 1
            self.most_held_at_once = max(self.most_held_at_once, self.held_now)
        self._released.wait()
        with self._lock:
            self.held_now -= 1

    def _handle(self, request: RecordedRequest) -> FakeResponse | None:
        with self._lock:
            self.requests.append(request)
        for observe in self.observers:
            observe(request)
        if (request.method, request.path) in self.hanging:
            self._hold()
            return None
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return FakeResponse(404, {"error": "no such fake route"})
        return handler(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    with fake._lock:
                        fake.incomplete += 1
                    self.close_connection = True
                    return
                request = RecordedRequest(
                    method=self.command,
                    path=path,
                    query=query,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                    client_gone=partial(peer_closed, self.connection),
                )
                response = fake._handle(request)
                if response is None or request.client_gone():
                    self.close_connection = True
                    return
                raw = isinstance(response.body, bytes)
                payload = response.body if raw else json.dumps(response.body).encode()
                self.send_response(response.status)
                self.send_header(
                    "Content-Type", "application/octet-stream" if raw else "application/json"
                )
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                return

        return _Handler


@contextmanager
def fake_http_server() -> Iterator[FakeHTTPServer]:
    """A started `FakeHTTPServer`, stopped when the block ends."""
    server = FakeHTTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
