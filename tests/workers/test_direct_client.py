"""A slot's HTTP client over real HTTP: a plain request is answered as `AsyncClient` answers it,
its failures are httpx's own errors naming the request, no cookie is kept from one request to
the next, and a request that asks for more (redirects, streaming) still gets it."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from clawscale.workers.direct_client import DirectClient
from clawscale.workers.slots import slot_clients
from tests.fakes.http_server import FakeResponse, fake_http_server
from tests.processes import free_port

SEND_PATH = "/message/sendText/main"


def sent(client: httpx.AsyncClient, work: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    """What `work(client)` returned, run in a fresh event loop with `client` open."""

    async def run() -> Any:
        async with client:
            return await work(client)

    return asyncio.run(run())


def test_a_plain_post_is_answered_with_its_body_read_and_its_request() -> None:
    with fake_http_server() as server:
        server.route("POST", SEND_PATH, lambda r: FakeResponse(201, {"key": {"id": "m1"}}))
        response = sent(
            DirectClient(timeout=5),
            lambda client: client.post(
                f"{server.url}{SEND_PATH}", json={"text": "hi"}, headers={"apikey": "k"}
            ),
        )
    assert response.status_code == 201
    assert response.json() == {"key": {"id": "m1"}}
    assert response.is_closed
    assert response.request.url == f"{server.url}{SEND_PATH}"
    [recorded] = server.requests_to(SEND_PATH)
    assert recorded.json() == {"text": "hi"}
    assert recorded.headers["apikey"] == "k"
    assert recorded.headers["content-type"] == "application/json"


def test_an_error_status_raises_as_httpx_raises_it() -> None:
    with fake_http_server() as server:
        server.route("POST", SEND_PATH, lambda r: FakeResponse(503, {"error": "busy"}))
        response = sent(
            DirectClient(timeout=5), lambda client: client.post(f"{server.url}{SEND_PATH}")
        )
    assert response.json() == {"error": "busy"}
    with pytest.raises(httpx.HTTPStatusError):
        response.raise_for_status()


def test_a_cookie_set_by_one_answer_is_not_sent_with_the_next_request() -> None:
    """A slot sends for every tenant: a plain `AsyncClient` would send the cookie back."""
    cookie = {"Set-Cookie": "session=tenant-a; Path=/"}
    with fake_http_server() as server:
        server.route("POST", SEND_PATH, lambda r: FakeResponse(200, {}, cookie))

        async def twice(client: httpx.AsyncClient) -> None:
            await client.post(f"{server.url}{SEND_PATH}")
            await client.post(f"{server.url}{SEND_PATH}")

        sent(DirectClient(timeout=5), twice)
        direct = [request.headers.get("cookie") for request in server.requests_to(SEND_PATH)]
        sent(httpx.AsyncClient(timeout=5), twice)
        plain = [request.headers.get("cookie") for request in server.requests_to(SEND_PATH)][2:]
    assert direct == [None, None]
    assert plain == [None, "session=tenant-a"]


def test_a_peer_that_never_answers_times_out_naming_the_request() -> None:
    with fake_http_server() as server:
        server.route("POST", SEND_PATH, lambda r: FakeResponse(200, {}))
        server.hang("POST", SEND_PATH)
        try:
            with pytest.raises(httpx.ReadTimeout) as raised:
                sent(
                    DirectClient(timeout=0.3),
                    lambda client: client.post(f"{server.url}{SEND_PATH}"),
                )
        finally:
            server.release()
    assert raised.value.request.url == f"{server.url}{SEND_PATH}"


def test_nobody_listening_is_a_connect_error_naming_the_request() -> None:
    url = f"http://127.0.0.1:{free_port()}{SEND_PATH}"
    with pytest.raises(httpx.ConnectError) as raised:
        sent(DirectClient(timeout=5), lambda client: client.post(url))
    assert raised.value.request.url == url


def test_a_closed_client_refuses_to_send() -> None:
    async def after_closing() -> None:
        client = DirectClient(timeout=5)
        await client.aclose()
        await client.post("http://127.0.0.1:9/unused")

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(after_closing())


def test_a_request_that_asks_for_redirects_or_a_stream_gets_them() -> None:
    with fake_http_server() as server:
        server.route("GET", "/old", lambda r: FakeResponse(302, {}, {"Location": "/new"}))
        server.route("GET", "/new", lambda r: FakeResponse(200, {"moved": True}))

        async def follow_then_stream(client: httpx.AsyncClient) -> tuple[object, bytes]:
            followed = await client.get(f"{server.url}/old", follow_redirects=True)
            async with client.stream("GET", f"{server.url}/new") as streamed:
                body = b"".join([part async for part in streamed.aiter_bytes()])
            return followed.json(), body

        moved, streamed_body = sent(DirectClient(timeout=5), follow_then_stream)
        plain_redirect = sent(DirectClient(timeout=5), lambda c: c.get(f"{server.url}/old"))
    assert moved == {"moved": True}
    assert streamed_body == b'{"moved": true}'
    assert plain_redirect.status_code == 302


def test_the_slots_clients_keep_no_cookie_either() -> None:
    cookie = {"Set-Cookie": "session=tenant-a; Path=/"}
    with fake_http_server() as server:
        server.route("POST", SEND_PATH, lambda r: FakeResponse(200, {}, cookie))

        async def twice_from_a_slot() -> None:
            async with slot_clients(5, 1) as [client]:
                await client.post(f"{server.url}{SEND_PATH}")
                await client.post(f"{server.url}{SEND_PATH}")

        asyncio.run(twice_from_a_slot())
        cookies = [request.headers.get("cookie") for request in server.requests_to(SEND_PATH)]
    assert cookies == [None, None]
