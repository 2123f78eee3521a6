"""A fake GeWe (ecloud WeChat) API: sends, the callback setting, and message callbacks.

Every GeWe answer is HTTP 200 with the outcome in `ret` (200 success, 500 failure). Calls must
carry the `X-GEWE-TOKEN` header and the app id of the logged-in account.
- `POST /gewe/v2/api/message/postText` `{appId, toWxid, content}` and `.../postImage`
  `{appId, toWxid, imgUrl}` record the message and answer `data.newMsgId`.
- `POST /gewe/v2/api/tools/setCallback` `{token, callbackUrl}` records `callback_url`.
- `text_callback(...)` builds the callback body GeWe POSTs for a private message.
"""

import secrets
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

API = "/gewe/v2/api"


def gewe_failure(message: str = "操作失败") -> FakeResponse:
    """GeWe's way of failing: HTTP 200, `ret` 500."""
    return FakeResponse(200, {"ret": 500, "msg": message, "data": None})


def text_callback(
    text: str = "ni hao",
    *,
    sender: str = "wxid_alice",
    account: str = "wxid_bot",
    message_type: str = "60001",
    own: bool = False,
    new_msg_id: str | None = None,
    nick_name: str | None = "Alice",
) -> dict:
    """A private-message callback body (`messageType` 60001 text, 60014 quoted reply)."""
    data: dict = {
        "self": own,
        "fromUser": account if own else sender,
        "toUser": sender if own else account,
        "content": text,
        "msgId": secrets.randbelow(10**9),
        "newMsgId": new_msg_id or str(secrets.randbelow(10**18)),
        "timestamp": int(time.time()),
        "wId": "0a1b2c3d-0000-4000-8000-000000000000",
    }
    if nick_name is not None:
        data["nickName"] = nick_name
    return {"account": "13800000000", "wcId": account, "messageType": message_type, "data": data}


class FakeGeWe:
    """One GeWe token and app id; records sends and the callback URL."""

    def __init__(self, server: FakeHTTPServer, token: str, app_id: str) -> None:
        self.server = server
        self.token = token
        self.app_id = app_id
        self.scripted: deque[FakeResponse] = deque()
        self.sent: list[tuple[str, dict]] = []
        self.callback_url: str | None = None
        server.route("POST", f"{API}/message/postText", self._send("postText"))
        server.route("POST", f"{API}/message/postImage", self._send("postImage"))
        server.route("POST", f"{API}/tools/setCallback", self._set_callback)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, *responses: FakeResponse) -> None:
        """Answer the next calls with these responses, in order."""
        self.scripted.extend(responses)

    def _refusal(self, request: RecordedRequest) -> FakeResponse | None:
        if request.headers.get("x-gewe-token") != self.token:
            return FakeResponse(200, {"ret": 401, "msg": "token无效", "data": None})
        if self.scripted:
            return self.scripted.popleft()
        return None

    def _send(self, action: str):
        def handle(request: RecordedRequest) -> FakeResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            body = request.json()
            if body.get("appId") != self.app_id:
                return gewe_failure("设备不存在")
            self.sent.append((action, body))
            data = {
                "toWxid": body["toWxid"],
                "createTime": int(time.time()),
                "msgId": secrets.randbelow(10**9),
                "newMsgId": secrets.randbelow(10**18),
                "type": 1,
            }
            return FakeResponse(200, {"ret": 200, "msg": "操作成功", "data": data})

        return handle

    def _set_callback(self, request: RecordedRequest) -> FakeResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = request.json()
        if body.get("token") != self.token:
            return gewe_failure("token不匹配")
        self.callback_url = body["callbackUrl"]
        return FakeResponse(200, {"ret": 200, "msg": "操作成功", "data": None})

    def texts(self) -> list[str]:
        """The contents of successful postText calls, in order."""
        return [body["content"] for action, body in self.sent if action == "postText"]


@contextmanager
def fake_gewe(token: str = "gewe-token", app_id: str = "wx_app_1") -> Iterator[FakeGeWe]:
    """A running fake GeWe API."""
    with fake_http_server() as server:
        yield FakeGeWe(server, token, app_id)
