"""A fake Linq Partner API v3: chats, webhook subscriptions, and signed webhook deliveries.

- `POST /chats` (Bearer API key) records the chat message and answers the chat with its message.
- `POST /webhook-subscriptions` creates a subscription and answers its `id` and the
  `signing_secret` (shown only then); `DELETE /webhook-subscriptions/{id}` removes it.
- `delivery(event)` gives what Linq POSTs to the subscription's URL: the raw body and the
  `X-Webhook-*` headers, signed with hex HMAC-SHA256 of `"{timestamp}.{raw body}"`.
"""

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server


def message_received(
    text: str = "hello",
    *,
    sender: str = "+1 (555) 000-2222",
    recipient: str = "+15559990000",
    message_id: str | None = None,
    is_me: bool = False,
    direction: str = "inbound",
    is_group: bool = False,
    parts: list[dict] | None = None,
) -> dict:
    """A `message.received` event in the 2026-02-03 webhook version."""
    return {
        "api_version": "v3",
        "webhook_version": "2026-02-03",
        "event_type": "message.received",
        "event_id": str(uuid.uuid4()),
        "created_at": "2026-01-01T10:00:00Z",
        "trace_id": secrets.token_hex(8),
        "partner_id": "partner_1",
        "data": {
            "id": message_id or str(uuid.uuid4()),
            "direction": direction,
            "chat": {
                "id": str(uuid.uuid4()),
                "is_group": is_group,
                "owner_handle": {"handle": recipient, "is_me": True},
            },
            "sender_handle": {"handle": sender, "is_me": is_me, "service": "iMessage"},
            "parts": parts if parts is not None else [{"type": "text", "value": text}],
            "service": "iMessage",
            "sent_at": "2026-01-01T10:00:00Z",
        },
    }


@dataclass(frozen=True)
class Delivery:
    """One webhook request as Linq sends it."""

    body: bytes
    headers: dict[str, str]


def signed_delivery(
    event: dict, subscription_id: str, signing_secret: str, *, timestamp: int | None = None
) -> Delivery:
    """What Linq POSTs for `event`: the raw body and `X-Webhook-*` headers, the signature being
    the hex HMAC-SHA256 of `"{timestamp}.{raw body}"` keyed with the signing secret."""
    return signed_body(json.dumps(event).encode(), subscription_id, signing_secret, timestamp)


def signed_body(
    body: bytes, subscription_id: str, signing_secret: str, timestamp: int | None = None
) -> Delivery:
    """`body` (JSON or not) signed as Linq signs a delivery."""
    moment = str(int(time.time()) if timestamp is None else timestamp)
    message = moment.encode() + b"." + body
    signature = hmac.new(signing_secret.encode(), message, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Event": "message.received",
        "X-Webhook-Subscription-ID": subscription_id,
        "X-Webhook-Timestamp": moment,
        "X-Webhook-Signature": signature,
    }
    return Delivery(body, headers)


class FakeLinq:
    """One API key; subscriptions it created, chats sent, and scriptable failures."""

    def __init__(self, server: FakeHTTPServer, api_key: str) -> None:
        self.server = server
        self.api_key = api_key
        self.scripted: deque[FakeResponse] = deque()
        self.subscriptions: dict[str, dict] = {}
        self.chats: list[dict] = []
        server.route("POST", "/chats", self._create_chat)
        server.route("POST", "/webhook-subscriptions", self._subscribe)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next calls with these responses, in order."""
        self.scripted.extend(responses)

    def _refusal(self, request: RecordedRequest) -> FakeResponse | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return FakeResponse(401, {"error": {"status": 401, "message": "Unauthorized"}})
        if self.scripted:
            return self.scripted.popleft()
        return None

    def _create_chat(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        self.chats.append(body)
        message = {"id": str(uuid.uuid4()), "parts": body["message"]["parts"]}
        chat = {"id": str(uuid.uuid4()), "handles": body["to"], "message": message}
        return FakeResponse(201, {"chat": chat})

    def _subscribe(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        subscription = {
            "id": str(uuid.uuid4()),
            "target_url": body["target_url"],
            "subscribed_events": body["subscribed_events"],
            "phone_numbers": body.get("phone_numbers", []),
            "is_active": True,
            "signing_secret": secrets.token_hex(32),
        }
        self.subscriptions[subscription["id"]] = subscription
        self.server.route(
            "DELETE", f"/webhook-subscriptions/{subscription['id']}", self._unsubscribe
        )
        return FakeResponse(201, subscription)

    def _unsubscribe(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        subscription_id = request.path.rsplit("/", 1)[1]
        if self.subscriptions.pop(subscription_id, None) is None:
            return FakeResponse(404, {"error": {"status": 404, "message": "Not found"}})
        return FakeResponse(200, {"id": subscription_id, "deleted": True})

    def only_subscription(self) -> dict:
        """The one live subscription."""
        [subscription] = self.subscriptions.values()
        return subscription

    def delivery(
        self,
        event: dict,
        *,
        subscription: dict | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Delivery:
        """The request Linq sends for `event`, signed with the subscription's secret."""
        chosen = subscription or self.only_subscription()
        return signed_delivery(
            event, chosen["id"], secret or chosen["signing_secret"], timestamp=timestamp
        )

    def texts(self) -> list[str]:
        """The text parts of the chats sent, in order."""
        return [
            part["value"]
            for chat in self.chats
            for part in chat["message"]["parts"]
            if part["type"] == "text"
        ]


@contextmanager
def fake_linq(api_key: str = "linq-key") -> Iterator[FakeLinq]:
    """A running fake Linq API."""
    with fake_http_server() as server:
        yield FakeLinq(server, api_key)
