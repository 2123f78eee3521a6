"""A fake Meta Graph API for the WhatsApp Cloud API, and webhooks signed as Meta signs them.

- `POST /{phone_number_id}/messages` (Bearer access token) records the message and answers
  `{"messaging_product", "contacts", "messages": [{"id": "wamid..."}]}`.
- `POST /{waba_id}/subscribed_apps` with `override_callback_uri` and `verify_token` first verifies
  the callback as Meta does (a GET with `hub.mode=subscribe`, `hub.verify_token` and
  `hub.challenge`, which must be echoed) and then records it; `DELETE` unsubscribes.
- `delivery(payload)` gives what Meta POSTs: the body and `X-Hub-Signature-256` (`sha256=` and the
  hex HMAC-SHA256 of the raw body keyed with the app secret).
"""

import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server


def graph_error(status: int, code: int, message: str = "error") -> FakeResponse:
    """A Graph API error answer."""
    return FakeResponse(
        status,
        {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}},
    )


def messages_payload(
    text: str = "hello",
    *,
    phone_number_id: str = "1098765",
    sender: str = "15550003333",
    name: str = "Ada",
    message_id: str | None = None,
    message: dict | None = None,
) -> dict:
    """A `messages` change notification for a text (or the given) message."""
    body = message or {"type": "text", "text": {"body": text}}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "waba-1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15559990000",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": message_id or f"wamid.{secrets.token_hex(12)}",
                                    "timestamp": str(int(time.time())),
                                    **body,
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def status_payload(phone_number_id: str = "1098765") -> dict:
    """A `statuses` notification (a delivery receipt): no message from a person."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "waba-1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": phone_number_id},
                            "statuses": [
                                {
                                    "id": "wamid.out",
                                    "status": "delivered",
                                    "recipient_id": "15550003333",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


class FakeGraph:
    """The Graph API of one phone number and business account."""

    def __init__(
        self, server: FakeHTTPServer, access_token: str, phone_number_id: str, waba_id: str
    ) -> None:
        self.server = server
        self.access_token = access_token
        self.scripted: deque[FakeResponse] = deque()
        self.sent: list[dict] = []
        self.override_callback_uri: str | None = None
        self.subscribed = False
        server.route("POST", f"/{phone_number_id}/messages", self._send)
        server.route("POST", f"/{waba_id}/subscribed_apps", self._subscribe)
        server.route("DELETE", f"/{waba_id}/subscribed_apps", self._unsubscribe)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next calls with these responses, in order."""
        self.scripted.extend(responses)

    def _refusal(self, request: RecordedRequest) -> FakeResponse | None:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return graph_error(401, 190, "Invalid OAuth access token.")
        if self.scripted:
            return self.scripted.popleft()
        return None

    def _send(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        self.sent.append(body)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": f"wamid.{secrets.token_hex(12)}"}],
        }
        return FakeResponse(200, answer)

    def _subscribe(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        challenge = secrets.token_hex(6)
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": body["verify_token"],
            "hub.challenge": challenge,
        }
        try:
            answer = httpx.get(body["override_callback_uri"], params=params, timeout=10)
        except httpx.HTTPError:
            return graph_error(400, 2200, "Callback verification failed")
        if answer.status_code != 200 or answer.text != challenge:
            return graph_error(400, 2200, "Callback verification failed")
        self.override_callback_uri = body["override_callback_uri"]
        self.subscribed = True
        return FakeResponse(200, {"success": True})

    def _unsubscribe(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        self.override_callback_uri = None
        self.subscribed = False
        return FakeResponse(200, {"success": True})

    def texts(self) -> list[str]:
        """The bodies of the text messages sent, in order."""
        return [body["text"]["body"] for body in self.sent if body["type"] == "text"]


def signed_delivery(payload: dict, app_secret: str) -> tuple[bytes, dict]:
    """The body and headers Meta POSTs for `payload`."""
    body = json.dumps(payload).encode()
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


@contextmanager
def fake_graph(
    access_token: str = "graph-token", phone_number_id: str = "1098765", waba_id: str = "waba-1"
) -> Iterator[FakeGraph]:
    """A running fake Graph API."""
    with fake_http_server() as server:
        yield FakeGraph(server, access_token, phone_number_id, waba_id)
