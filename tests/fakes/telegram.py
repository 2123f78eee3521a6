"""A fake Telegram Bot API for one bot: webhook setting, sends, and updates to deliver.

Methods live at `/bot{token}/{method}`, so a wrong token finds no route (Telegram answers 404 as
well). Answers are `{"ok": true, "result": ...}` or `{"ok": false, "error_code",
"description", "parameters"?}` with the matching HTTP status.
- `setWebhook` records `url` and `secret_token`; `deleteWebhook` clears them.
- `sendMessage`, `sendPhoto`, `sendVoice` record the call and answer a Message.
- `delivery(update)` gives the request Telegram POSTs to the webhook: the body and the
  `X-Telegram-Bot-Api-Secret-Token` header with the secret given at `setWebhook`.
"""

import itertools
import json
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

SEND_METHODS = ("sendMessage", "sendPhoto", "sendVoice")
_update_ids = itertools.count(100_000)


def telegram_error(status: int, description: str, retry_after: int | None = None) -> FakeResponse:
    """A failure as the Bot API answers it."""
    body: dict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return FakeResponse(status, body)


def message_update(
    text: str = "hello",
    *,
    chat_id: int = 4242,
    message_id: int = 1,
    chat_type: str = "private",
    is_bot: bool = False,
    first_name: str = "Ada",
    extra: dict | None = None,
) -> dict:
    """An Update carrying a Message, as the Bot API sends it to a webhook."""
    chat: dict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat.update(first_name=first_name, username="ada")
    else:
        chat["title"] = "Some group"
    message = {
        "message_id": message_id,
        "from": {"id": chat_id, "is_bot": is_bot, "first_name": first_name, "username": "ada"},
        "chat": chat,
        "date": int(time.time()),
        "text": text,
        **(extra or {}),
    }
    return {"update_id": next(_update_ids), "message": message}


def telegram_delivery(update: dict, secret_token: str | None) -> tuple[bytes, dict]:
    """The body and headers of the webhook request Telegram sends for `update`."""
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    return json.dumps(update).encode(), headers


class FakeTelegram:
    """The Bot API of one bot token."""

    def __init__(self, server: FakeHTTPServer, token: str) -> None:
        self.server = server
        self.token = token
        self.scripted: deque[FakeResponse] = deque()
        self.webhook_url: str | None = None
        self.secret_token: str | None = None
        self.allowed_updates: list[str] | None = None
        self.sent: list[tuple[str, dict]] = []
        self._message_ids = itertools.count(500)
        self._route("setWebhook", self._set_webhook)
        self._route("deleteWebhook", self._delete_webhook)
        for method in SEND_METHODS:
            self._route(method, self._send(method))

    @property
    def url(self) -> str:
        return self.server.url

    def _route(self, method: str, handler) -> None:
        self.server.route("POST", f"/bot{self.token}/{method}", handler)

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next calls with these responses, in order."""
        self.scripted.extend(responses)

    def _set_webhook(self, request: RecordedRequest) -> FakeResponse:
        if self.scripted:
            return self.scripted.popleft()
        body = request.json()
        self.webhook_url = body["url"]
        self.secret_token = body.get("secret_token")
        self.allowed_updates = body.get("allowed_updates")
        return FakeResponse(200, {"ok": True, "result": True, "description": "Webhook was set"})

    def _delete_webhook(self, request: RecordedRequest) -> FakeResponse:
        if self.scripted:
            return self.scripted.popleft()
        self.webhook_url = self.secret_token = None
        return FakeResponse(200, {"ok": True, "result": True, "description": "Webhook was deleted"})

    def _send(self, method: str):
        def handle(request: RecordedRequest) -> FakeResponse:
            if self.scripted:
                return self.scripted.popleft()
            body = request.json()
            self.sent.append((method, body))
            result = {
                "message_id": next(self._message_ids),
                "chat": {"id": body["chat_id"], "type": "private"},
                "date": int(time.time()),
            }
            return FakeResponse(200, {"ok": True, "result": result})

        return handle

    def delivery(self, update: dict) -> tuple[bytes, dict]:
        """The webhook request carrying `update`, with the secret given at `setWebhook`."""
        return telegram_delivery(update, self.secret_token)


@contextmanager
def fake_telegram(token: str = "123456:bot-token") -> Iterator[FakeTelegram]:
    """A running fake Bot API."""
    with fake_http_server() as server:
        yield FakeTelegram(server, token)
