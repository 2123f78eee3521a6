"""Refuses request bodies over a size limit with 413 `payload_too_large`, before parsing them."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clawscale.api.raw_responses import json_body, send_json

MAX_BODY_BYTES = 256 * 1024
TOO_LARGE_BODY = json_body(
    {"ok": False, "error": "payload_too_large", "message": "The request body is too large."}
)


class BodyTooLarge(HTTPException):
    """The body grew past the limit while it was being read (answered 413 by the handlers)."""

    def __init__(self) -> None:
        super().__init__(413)


class BodySizeLimit:
    """ASGI middleware: a declared or streamed body past `max_bytes` gets 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_json(send, 413, TOO_LARGE_BODY)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if response_started:
                raise
            await send_json(send, 413, TOO_LARGE_BODY)
