"""The fake-server helper answers scripted routes over real HTTP and records requests."""

import socket

import httpx
import pytest

from tests.fakes.http_server import FakeResponse, fake_http_server
from tests.processes import wait_until


def test_scripted_route_answers_and_is_recorded():
    with fake_http_server() as server:
        server.route("POST", "/message/sendText/main", lambda r: FakeResponse(201, {"id": "m1"}))
        response = httpx.post(
            f"{server.url}/message/sendText/main?x=1", json={"text": "hi"}, headers={"apikey": "k"}
        )
        missing = httpx.get(f"{server.url}/other")
    assert response.status_code == 201
    assert response.json() == {"id": "m1"}
    assert missing.status_code == 404
    [recorded] = server.requests_to("/message/sendText/main")
    assert recorded.json() == {"text": "hi"}
    assert recorded.headers["apikey"] == "k"
    assert recorded.query == "x=1"


def test_a_hanging_route_never_answers_until_released():
    with fake_http_server() as server:
        server.route("POST", "/agent", lambda r: FakeResponse(200, {"ok": True}))
        server.hang("POST", "/agent")
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.url}/agent", json={}, timeout=0.3)
        wait_until(lambda: server.held_now == 1, seconds=10)
        assert httpx.get(f"{server.url}/other").status_code == 404
        server.release()
        answered = httpx.post(f"{server.url}/agent", json={}, timeout=5)
    assert answered.json() == {"ok": True}
    assert server.most_held_at_once == 1
    assert len(server.requests_to("/agent")) == 2


def test_a_request_cut_off_mid_body_never_reaches_its_handler():
    with fake_http_server() as server:
        server.route("POST", "/message/sendText/main", lambda r: FakeResponse(201, {"id": "m1"}))
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            client.sendall(
                b"POST /message/sendText/main HTTP/1.1\r\nHost: fake\r\n"
                b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                b'{"text": "cut'
            )
        wait_until(lambda: server.incomplete == 1, seconds=10)
        assert server.requests_to("/message/sendText/main") == []
