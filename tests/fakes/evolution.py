"""A fake Evolution API (WhatsApp): the send endpoints, with scriptable failures and delays."""

import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

SEND_ACTIONS = ("sendText", "sendMedia", "sendWhatsAppAudio")


class FakeEvolution:
    """Accepts sends for one instance and API key like Evolution (201 with `key.id`)."""

    def __init__(self, server: FakeHTTPServer, instance: str, api_key: str) -> None:
        self.server = server
        self.instance = instance
        self.api_key = api_key
        self.scripted: deque[FakeResponse] = deque()
        self.delay_seconds = 0.0
        self.sent: list[tuple[str, dict]] = []
        for action in SEND_ACTIONS:
            server.route("POST", f"/message/{action}/{instance}", self._handler(action))

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next sends with these responses, in order."""
        self.scripted.extend(responses)

    def _handler(self, action: str):
        def handle(request: RecordedRequest) -> FakeResponse:
            if request.headers.get("apikey") != self.api_key:
                return FakeResponse(401, {"error": "Unauthorized"})
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            if self.scripted:
                return self.scripted.popleft()
            self.sent.append((action, request.json()))
            return FakeResponse(201, {"key": {"id": secrets.token_hex(8)}, "status": "PENDING"})

        return handle

    def texts(self) -> list[str]:
        """The texts of successful sendText calls, in order."""
        return [body["text"] for action, body in self.sent if action == "sendText"]


@contextmanager
def fake_evolution(instance: str = "main", api_key: str = "evo-key") -> Iterator[FakeEvolution]:
    """A running fake Evolution API."""
    with fake_http_server() as server:
        yield FakeEvolution(server, instance, api_key)
