"""JSON answers sent straight over ASGI, for code that runs outside FastAPI's routing."""

import json

from starlette.types import Send


def json_body(payload: dict[str, object]) -> bytes:
    """A payload encoded once, ahead of time."""
    return json.dumps(payload).encode()


async def send_json(send: Send, status: int, body: bytes) -> None:
    """Answer with `status` and the pre-encoded JSON `body`."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
