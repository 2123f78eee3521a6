"""A fake of Resend's HTTP API (`POST /emails`) that keeps every email it is sent."""

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

LINK = re.compile(r"https?://\S+")


class FakeResend:
    """Answers `POST /emails` like Resend (`{"id": ...}`) for the expected API key, else 401."""

    def __init__(self, server: FakeHTTPServer, api_key: str) -> None:
        self.server = server
        self.api_key = api_key
        server.route("POST", "/emails", self._send)

    @property
    def url(self) -> str:
        return self.server.url

    def _send(self, request: RecordedRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return FakeResponse(401, {"name": "missing_api_key", "message": "Invalid API key"})
        return FakeResponse(200, {"id": secrets.token_hex(8)})

    def emails_to(self, address: str) -> list[dict]:
        """The bodies of accepted emails sent to `address`, oldest first."""
        return [
            request.json()
            for request in self.server.requests_to("/emails")
            if address in request.json().get("to", [])
        ]

    def last_link_to(self, address: str) -> str:
        """The link in the newest email to `address`."""
        return LINK.findall(self.emails_to(address)[-1]["text"])[-1]


@contextmanager
def fake_resend(api_key: str = "re_test_key") -> Iterator[FakeResend]:
    """A running fake Resend."""
    with fake_http_server() as server:
        yield FakeResend(server, api_key)
