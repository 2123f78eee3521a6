"""A fake agent runtime: provisioning and message endpoints as CONTRACT.md describes them."""

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

AGENT_PATH = "/agent"


class FakeRuntime:
    """Answers `POST /agent`: provisioning bodies (`customer_id`) and message bodies (`messages`).

    Failures are scripted per kind; a message answer may carry an immediate reply, and
    `on_message`, when set, sees each message body before it is answered.
    """

    def __init__(self, server: FakeHTTPServer, token: str) -> None:
        self.server = server
        self.token = token
        self.provision_failures: deque[FakeResponse] = deque()
        self.message_failures: deque[FakeResponse] = deque()
        self.replies: deque[dict] = deque()
        self.provisioned: list[dict] = []
        self.messages: list[dict] = []
        self.on_message: Callable[[dict], None] | None = None
        server.route("POST", AGENT_PATH, self._handle)

    @property
    def endpoint(self) -> str:
        return f"{self.server.url}{AGENT_PATH}"

    def _handle(self, request: RecordedRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return FakeResponse(401, {"error": "unauthorized"})
        body = request.json()
        if "messages" in body:
            if self.message_failures:
                return self.message_failures.popleft()
            self.messages.append(body)
            if self.on_message is not None:
                self.on_message(body)
            return FakeResponse(200, self.replies.popleft() if self.replies else {})
        if self.provision_failures:
            return self.provision_failures.popleft()
        self.provisioned.append(body)
        return FakeResponse(200, {"ok": True})

    def texts(self) -> list[str]:
        """The user texts forwarded so far, in order."""
        return [body["messages"][0]["content"] for body in self.messages]


@contextmanager
def fake_runtime(token: str = "agent-token") -> Iterator[FakeRuntime]:
    """A running fake runtime."""
    with fake_http_server() as server:
        yield FakeRuntime(server, token)
