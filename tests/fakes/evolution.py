"""A fake Evolution API (WhatsApp): sends, the instance webhook setting, and upsert events.

- `POST /message/{sendText|sendMedia|sendWhatsAppAudio}/{instance}` checks the `apikey` header
  and answers 201 with `key.id`; failures and delays are scriptable.
- `POST /webhook/set/{instance}` records the v2 body (`{"webhook": {...}}`) as `webhook`.
- `upsert_event(...)` builds the `messages.upsert` event Evolution POSTs to a webhook URL (it signs
  nothing: the URL's token is the proof).
"""

import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

SEND_ACTIONS = ("sendText", "sendMedia", "sendWhatsAppAudio")


def upsert_event(
    text: str = "hello",
    *,
    number: str = "15550001111",
    jid_suffix: str = "@s.whatsapp.net",
    message_id: str | None = None,
    from_me: bool = False,
    push_name: str = "Ada",
    instance: str = "main",
    message: dict | None = None,
) -> dict:
    """A `messages.upsert` webhook body as Evolution v2 sends it."""
    return {
        "event": "messages.upsert",
        "instance": instance,
        "data": {
            "key": {
                "remoteJid": f"{number}{jid_suffix}",
                "fromMe": from_me,
                "id": message_id or f"3EB0{secrets.token_hex(8).upper()}",
            },
            "pushName": push_name,
            "message": message if message is not None else {"conversation": text},
            "messageType": "conversation",
            "messageTimestamp": int(time.time()),
            "instanceId": "b5b7a6e0-0000-4000-8000-000000000000",
            "source": "android",
        },
        "destination": "https://gateway.example/webhook",
        "date_time": "2026-01-01T10:00:00.000Z",
        "sender": "15559990000@s.whatsapp.net",
        "server_url": "http://evolution.local",
        "apikey": "instance-api-key-from-evolution",
    }


class FakeEvolution:
    """Accepts sends for one instance and API key like Evolution (201 with `key.id`)."""

    def __init__(self, server: FakeHTTPServer, instance: str, api_key: str) -> None:
        self.server = server
        self.instance = instance
        self.api_key = api_key
        self.scripted: deque[FakeResponse] = deque()
        self.delay_seconds = 0.0
        self.sent: list[tuple[str, dict]] = []
        self.webhook: dict | None = None
        self.webhook_failures: deque[FakeResponse] = deque()
        for action in SEND_ACTIONS:
            server.route("POST", f"/message/{action}/{instance}", self._handler(action))
        server.route("POST", f"/webhook/set/{instance}", self._set_webhook)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next sends with these responses, in order."""
        self.scripted.extend(responses)

    def _set_webhook(self, request: RecordedRequest) -> FakeResponse:
        if request.headers.get("apikey") != self.api_key:
            return FakeResponse(401, {"error": "Unauthorized"})
        if self.webhook_failures:
            return self.webhook_failures.popleft()
        self.webhook = request.json()["webhook"]
        return FakeResponse(201, {"webhook": {"instanceName": self.instance, **self.webhook}})

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
