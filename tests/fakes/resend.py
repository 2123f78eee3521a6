"""A fake of Resend's HTTP API (`POST /emails`) that keeps every email it is sent."""

import re
import secrets
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

LINK = re.compile(r"https?://\S+")


class FakeResend:
    """Answers `POST /emails` like Resend (`{"id": ...}`) for the expected API key, else 401;
    a repeated Idempotency-Key gets the first answer's id and sends nothing again; `fail_next`
    scripts failures."""

    def __init__(self, server: FakeHTTPServer, api_key: str) -> None:
        self.server = server
        self.api_key = api_key
        self.scripted: deque[FakeResponse] = deque()
        self.sent_ids: dict[str, str] = {}
        self.sent: list[dict] = []
        self._lock = threading.Lock()
        server.route("POST", "/emails", self._send)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next sends with these responses, in order."""
        self.scripted.extend(responses)

    def _send(self, request: RecordedRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return FakeResponse(401, {"name": "missing_api_key", "message": "Invalid API key"})
        with self._lock:
            if self.scripted:
                return self.scripted.popleft()
            key = request.headers.get("idempotency-key") or secrets.token_hex(8)
            if key not in self.sent_ids:
                self.sent_ids[key] = secrets.token_hex(8)
                self.sent.append(request.json())
            return FakeResponse(200, {"id": self.sent_ids[key]})

    def requests_for(self, mail_id: str) -> list[RecordedRequest]:
        """Every request made for one email (its id is the Idempotency-Key)."""
        return [
            request
            for request in self.server.requests_to("/emails")
            if request.headers.get("idempotency-key") == mail_id
        ]

    def emails_to(self, address: str) -> list[dict]:
        """The bodies of emails sent to `address`, oldest first."""
        with self._lock:
            return [body for body in self.sent if address in body.get("to", [])]

    def last_link_to(self, address: str) -> str:
        """The link in the newest email to `address`."""
        return LINK.findall(self.emails_to(address)[-1]["text"])[-1]


@contextmanager
def fake_resend(api_key: str = "re_test_key") -> Iterator[FakeResend]:
    """A running fake Resend."""
    with fake_http_server() as server:
        yield FakeResend(server, api_key)
