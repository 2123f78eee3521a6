"""A fast fake provider for the benchmarks (its own process, so it does not slow the load
generator): Evolution's send endpoint and the runtime's endpoint, both answering at once, and
`/stats` with the end-to-end latency of every message that carried a `sent-at:` stamp since the
last `/reset`, the earliest such stamp, the wall-clock times (Unix seconds) the first and the
last of them arrived and how many texts came again (each request's text is unique, so any is a
message sent twice); and iLink's long poll, held for BENCH_LONG_POLL_SECONDS."""

import asyncio
import os
import secrets
import statistics
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

latencies: list[float] = []
window: dict[str, float] = {}
texts: set[str] = set()
repeats = {"count": 0}
long_polls = {"count": 0}
HOLD_SECONDS = float(os.environ.get("BENCH_LONG_POLL_SECONDS", "5"))


def _stamp(text: object) -> None:
    if isinstance(text, str) and text.startswith("sent-at:"):
        now = time.time()
        if text in texts:
            repeats["count"] += 1
        texts.add(text)
        sent = float(text.removeprefix("sent-at:").split()[0])
        latencies.append(now - sent)
        window["first_sent"] = min(sent, window.get("first_sent", sent))
        window.setdefault("first_arrival", now)
        window["last_arrival"] = now


async def send_text(request: Request) -> JSONResponse:
    body = await request.json()
    _stamp(body.get("text"))
    return JSONResponse({"key": {"id": secrets.token_hex(8)}}, status_code=201)


async def agent(request: Request) -> JSONResponse:
    body = await request.json()
    for message in body.get("messages", []):
        _stamp(message.get("content"))
    return JSONResponse({})


async def get_updates(request: Request) -> JSONResponse:
    """iLink's long poll: holds, then answers with no new messages."""
    body = await request.json()
    long_polls["count"] += 1
    await asyncio.sleep(HOLD_SECONDS)
    return JSONResponse(
        {"ret": 0, "msgs": [], "get_updates_buf": body.get("get_updates_buf") or "cursor-1"}
    )


async def stats(_request: Request) -> JSONResponse:
    ordered = sorted(latencies)
    return JSONResponse(
        {
            "count": len(ordered),
            "median": statistics.median(ordered) if ordered else 0.0,
            "p99": ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0,
            "first_sent": window.get("first_sent", 0.0),
            "first_arrival": window.get("first_arrival", 0.0),
            "last_arrival": window.get("last_arrival", 0.0),
            "sent_twice": repeats["count"],
            "long_polls": long_polls["count"],
        }
    )


async def reset(_request: Request) -> JSONResponse:
    latencies.clear()
    window.clear()
    texts.clear()
    repeats["count"] = 0
    return JSONResponse({})


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/message/sendText/{instance}", send_text, methods=["POST"]),
        Route("/agent", agent, methods=["POST"]),
        Route("/ilink/bot/getupdates", get_updates, methods=["POST"]),
        Route("/stats", stats),
        Route("/reset", reset, methods=["POST"]),
        Route("/health", health),
    ]
)
