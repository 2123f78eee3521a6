"""The fake-server helper answers scripted routes over real HTTP and records requests."""

import httpx

from tests.fakes.http_server import FakeResponse, fake_http_server


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
