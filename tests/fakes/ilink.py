"""A fake of WeChat's iLink bot API that behaves like the real one (protocols/wechat-ilink.md).

- Every answer is HTTP 200 with the outcome in `ret` (0 ok, -14 session expired, others).
- `GET /ilink/bot/get_bot_qrcode?bot_type=3` issues a QR code; `GET
  /ilink/bot/get_qrcode_status?qrcode=` (header `iLink-App-ClientVersion: 1`) is a long poll
  held while the code is `wait`; the test moves it on: `scan` -> `scaned`, `confirm` ->
  `confirmed` with a new bot token, `baseurl` (this fake), `ilink_bot_id`, `ilink_user_id`;
  or `expire`.
- `POST /ilink/bot/getupdates` checks the bot headers and holds until a message is injected or
  `hold_seconds` pass; the cursor (`get_updates_buf`) is opaque and says how far a poller got,
  so polling again from an old cursor redelivers, as providers do.
- `POST /ilink/bot/sendmessage` checks the headers and records each body.
- `cdn_item` stores a file as WeChat's CDN does (AES-128-ECB, PKCS#7) behind `GET /cdn/<id>`
  and gives the media item that points at it, with its key as iLink gives it.
Header problems (no `AuthorizationType`, a bad `X-WECHAT-UIN`, no Bearer token, no
`iLink-App-ClientVersion` on the status poll) are kept in `header_problems`.
`max_concurrent_polls` records, per bot, the most `getupdates` calls ever held at once. A held
call ends when its client closes the connection (a cancelled poll), as a server's would.
"""

import base64
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

SESSION_EXPIRED = -14
MEDIA_ITEM_TYPES = {"image": 2, "voice": 3, "file": 4, "video": 5}
DEFAULT_HOLD_SECONDS = 35.0
GONE_CHECK_SECONDS = 0.05


@dataclass
class QRLogin:
    """One issued QR code and where its login stands."""

    qrcode: str
    content: str
    status: str = "wait"
    bot_token: str = ""
    ilink_bot_id: str = ""
    ilink_user_id: str = ""


@dataclass
class Bot:
    """A logged-in bot account: its session and the messages sent to it, in order."""

    ilink_bot_id: str
    bot_token: str
    expired: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)


def encode_cursor(position: int) -> str:
    return base64.b64encode(f"pos:{position}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    """How far a poller got; None for a cursor this server never gave out."""
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor, validate=True).decode().removeprefix("pos:"))
    except ValueError:
        return None


class FakeILink:
    """The iLink endpoints, with the test in charge of scans, messages and expiries."""

    def __init__(self, server: FakeHTTPServer, hold_seconds: float) -> None:
        self.server = server
        self.hold_seconds = hold_seconds
        self.logins: dict[str, QRLogin] = {}
        self.bots: dict[str, Bot] = {}
        self.sent: list[dict[str, Any]] = []
        self.header_problems: list[str] = []
        self.update_failures: list[FakeResponse] = []
        self.send_failures: list[FakeResponse] = []
        self.polls_in_flight: dict[str, int] = defaultdict(int)
        self.max_concurrent_polls: dict[str, int] = defaultdict(int)
        self.closed = False
        self._changed = threading.Condition()
        server.route("GET", "/ilink/bot/get_bot_qrcode", self._get_bot_qrcode)
        server.route("GET", "/ilink/bot/get_qrcode_status", self._get_qrcode_status)
        server.route("POST", "/ilink/bot/getupdates", self._getupdates)
        server.route("POST", "/ilink/bot/sendmessage", self._sendmessage)

    @property
    def url(self) -> str:
        return self.server.url

    # The test's controls.

    def _update(self, change: Any) -> Any:
        with self._changed:
            result = change()
            self._changed.notify_all()
            return result

    def last_qrcode(self) -> QRLogin:
        """The newest QR code issued."""
        return list(self.logins.values())[-1]

    def scan(self, qrcode: str | None = None) -> None:
        """The WeChat user scanned the code (the newest when none is named)."""
        login = self.logins[qrcode] if qrcode else self.last_qrcode()
        self._update(lambda: setattr(login, "status", "scaned"))

    def confirm(
        self, qrcode: str | None = None, ilink_bot_id: str = "", ilink_user_id: str = "wxid_owner"
    ) -> Bot:
        """The WeChat user confirmed the login: a bot session exists from now on."""
        login = self.logins[qrcode] if qrcode else self.last_qrcode()
        bot_id = ilink_bot_id or f"{secrets.token_hex(6)}@im.bot"

        def change() -> Bot:
            bot = self.bots.get(bot_id)
            if bot is None:
                bot = self.bots[bot_id] = Bot(bot_id, "")
            bot.bot_token = f"ilinkbot_{secrets.token_hex(16)}"
            bot.expired = False
            login.status = "confirmed"
            login.bot_token = bot.bot_token
            login.ilink_bot_id = bot_id
            login.ilink_user_id = ilink_user_id
            return bot

        return self._update(change)

    def expire(self, qrcode: str | None = None) -> None:
        """The QR code timed out before it was confirmed."""
        login = self.logins[qrcode] if qrcode else self.last_qrcode()
        self._update(lambda: setattr(login, "status", "expired"))

    def add_bot(self, ilink_bot_id: str = "") -> Bot:
        """A bot account that logged in earlier (no QR flow needed)."""
        bot_id = ilink_bot_id or f"{secrets.token_hex(6)}@im.bot"
        bot = Bot(bot_id, f"ilinkbot_{secrets.token_hex(16)}")
        return self._update(lambda: self.bots.setdefault(bot_id, bot))

    def only_bot(self) -> Bot:
        [bot] = self.bots.values()
        return bot

    def inject(
        self,
        bot: Bot,
        text: str = "hello",
        from_user_id: str = "wxid_peer",
        *,
        message_type: int = 1,
        items: list[dict[str, Any]] | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """A WeChat user sends the bot a message; held polls wake up. The message."""
        message = {
            "seq": len(bot.messages) + 1,
            "message_id": message_id or secrets.randbits(63),
            "from_user_id": from_user_id,
            "to_user_id": bot.ilink_bot_id,
            "create_time_ms": int(time.time() * 1000),
            "session_id": f"session-{from_user_id}",
            "message_type": message_type,
            "message_state": 2,
            "context_token": f"ctx-{secrets.token_hex(8)}",
            "item_list": items if items is not None else [{"type": 1, "text_item": {"text": text}}],
        }
        self._update(lambda: bot.messages.append(message))
        return message

    def cdn_item(
        self, kind: str, data: bytes, *, key_in_media: bool = False, **fields: Any
    ) -> dict:
        """An iLink media item (`kind` image, voice, file or video) whose file, `data`, is on
        this fake's CDN, encrypted; its key as hex in `aeskey`, or (`key_in_media`) as base64 of
        that hex in `media.aes_key`. `fields` go into the item's `<kind>_item`."""
        key = secrets.token_bytes(16)
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        encrypted = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
        path = f"/cdn/{secrets.token_hex(8)}"
        self.server.route("GET", path, lambda _request: FakeResponse(200, encrypted))
        media: dict[str, Any] = {"full_url": f"{self.url}{path}", "encrypt_query_param": "q"}
        detail: dict[str, Any] = {"media": media, **fields}
        if key_in_media:
            media["aes_key"] = base64.b64encode(key.hex().encode()).decode()
        else:
            detail["aeskey"] = key.hex()
        return {"type": MEDIA_ITEM_TYPES[kind], f"{kind}_item": detail}

    def expire_session(self, bot: Bot) -> None:
        """iLink ends the bot's session: its calls answer -14 from now on."""
        self._update(lambda: setattr(bot, "expired", True))

    def fail_next_updates(self, *responses: FakeResponse) -> None:
        """Answer the next `getupdates` calls with these, in order."""
        self.update_failures.extend(responses)

    def fail_next_sends(self, *responses: FakeResponse) -> None:
        """Answer the next `sendmessage` calls with these, in order."""
        self.send_failures.extend(responses)

    def close(self) -> None:
        """Wake every held poll so the server can stop."""
        self.closed = True
        self._update(lambda: None)

    def sent_texts(self) -> list[str]:
        return [body["msg"]["item_list"][0]["text_item"]["text"] for body in self.sent]

    # The endpoints.

    def _hold(self, ready: Any, seconds: float, gone: Callable[[], bool] = lambda: False) -> None:
        """Wait until `ready()`, `seconds` pass or the client is `gone()`."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not ready() and not self.closed and not gone():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(min(remaining, GONE_CHECK_SECONDS))

    def _get_bot_qrcode(self, request: RecordedRequest) -> FakeResponse:
        if parse_qs(request.query).get("bot_type") != ["3"]:
            return FakeResponse(200, {"ret": -1, "errmsg": "bad bot_type"})
        qrcode = secrets.token_hex(16)
        content = f"https://liteapp.weixin.qq.com/q/7GiQu1?qrcode={qrcode}&bot_type=3"
        self.logins[qrcode] = QRLogin(qrcode, content)
        return FakeResponse(200, {"ret": 0, "qrcode": qrcode, "qrcode_img_content": content})

    def _get_qrcode_status(self, request: RecordedRequest) -> FakeResponse:
        if request.headers.get("ilink-app-clientversion") != "1":
            self.header_problems.append("get_qrcode_status without iLink-App-ClientVersion: 1")
            return FakeResponse(200, {"ret": -1, "errmsg": "client version required"})
        login = self.logins.get((parse_qs(request.query).get("qrcode") or [""])[0])
        if login is None:
            return FakeResponse(200, {"ret": -1, "errmsg": "unknown qrcode"})
        self._hold(lambda: login.status != "wait", self.hold_seconds)
        body: dict[str, Any] = {"ret": 0, "status": login.status}
        if login.status == "confirmed":
            body.update(
                bot_token=login.bot_token,
                ilink_bot_id=login.ilink_bot_id,
                baseurl=self.url,
                ilink_user_id=login.ilink_user_id,
            )
        return FakeResponse(200, body)

    def _bot_of(self, request: RecordedRequest) -> Bot | None:
        """The bot whose token the request carries; header problems are recorded."""
        headers = request.headers
        if headers.get("authorizationtype") != "ilink_bot_token":
            self.header_problems.append(f"{request.path}: AuthorizationType missing")
        try:
            int(base64.b64decode(headers.get("x-wechat-uin", ""), validate=True).decode())
        except ValueError:
            self.header_problems.append(f"{request.path}: X-WECHAT-UIN is not base64 digits")
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            self.header_problems.append(f"{request.path}: no Bearer token")
        return next((bot for bot in self.bots.values() if bot.bot_token == token), None)

    def _getupdates(self, request: RecordedRequest) -> FakeResponse:
        bot = self._bot_of(request)
        if bot is None or bot.expired:
            return FakeResponse(200, {"ret": SESSION_EXPIRED, "errmsg": "session timeout"})
        position = decode_cursor(request.json().get("get_updates_buf", ""))
        if position is None:
            return FakeResponse(200, {"ret": -1, "errmsg": "bad get_updates_buf"})
        with self._changed:
            if self.update_failures:
                return self.update_failures.pop(0)
            self.polls_in_flight[bot.ilink_bot_id] += 1
            self.max_concurrent_polls[bot.ilink_bot_id] = max(
                self.max_concurrent_polls[bot.ilink_bot_id],
                self.polls_in_flight[bot.ilink_bot_id],
            )
        try:
            self._hold(
                lambda: len(bot.messages) > position or bot.expired,
                self.hold_seconds,
                request.client_gone,
            )
        finally:
            with self._changed:
                self.polls_in_flight[bot.ilink_bot_id] -= 1
        if bot.expired:
            return FakeResponse(200, {"ret": SESSION_EXPIRED, "errmsg": "session timeout"})
        batch = bot.messages[position:]
        return FakeResponse(
            200,
            {
                "ret": 0,
                "msgs": batch,
                "get_updates_buf": encode_cursor(position + len(batch)),
                "longpolling_timeout_ms": int(self.hold_seconds * 1000),
            },
        )

    def _sendmessage(self, request: RecordedRequest) -> FakeResponse:
        bot = self._bot_of(request)
        if bot is None or bot.expired:
            return FakeResponse(200, {"ret": SESSION_EXPIRED, "errmsg": "session timeout"})
        if self.send_failures:
            return self.send_failures.pop(0)
        self.sent.append(request.json())
        return FakeResponse(200, {"ret": 0, "message_id": secrets.randbits(63)})


@contextmanager
def fake_ilink(hold_seconds: float = DEFAULT_HOLD_SECONDS) -> Iterator[FakeILink]:
    """A running fake iLink whose long polls hold for up to `hold_seconds`."""
    with fake_http_server() as server:
        fake = FakeILink(server, hold_seconds)
        try:
            yield fake
        finally:
            fake.close()
