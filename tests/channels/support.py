"""Helpers for adapter tests: run coroutines with an HTTP client, build credentials, requests."""

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from clawscale.channels.base import ChannelCredentials
from clawscale.channels.webhooks import WEBHOOK_TOKEN, WebhookRequest

Result = TypeVar("Result")
PATH_TOKEN = "path-token-1"


def run(work: Callable[[httpx.AsyncClient], Awaitable[Result]]) -> Result:
    """Run `work(client)` to completion with a fresh AsyncClient."""

    async def main() -> Result:
        async with httpx.AsyncClient(timeout=5) as client:
            return await work(client)

    return asyncio.run(main())


def credentials(kind: str, config: dict, secrets: dict) -> ChannelCredentials:
    """Decrypted channel data as an adapter receives it (with the path token set)."""
    return ChannelCredentials("ch_test", kind, dict(config), {WEBHOOK_TOKEN: PATH_TOKEN, **secrets})


def webhook(
    body: bytes = b"{}",
    headers: dict | None = None,
    query: dict | None = None,
    token: str = PATH_TOKEN,
    method: str = "POST",
) -> WebhookRequest:
    """A received webhook request (header names lower-cased, as the route builds it)."""
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    return WebhookRequest(method, token, lowered, dict(query or {}), body)


def closed_port_url() -> str:
    """A base URL nothing listens on (a connection there is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
