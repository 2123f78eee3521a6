"""The seed gateway's provider URLs (`/gateway/...`) over real HTTP, on both databases.

A deployment switched over from the TypeScript gateway keeps its providers' webhook URLs: each
`/gateway` path must answer exactly as `/api/webhooks/{kind}/...` does for its kind.
"""

import httpx
import pytest
from sqlmodel import select

from clawscale.api.app import build_api
from clawscale.models import InboundEvent
from clawscale.workers.inbound import InboundWorker
from tests.api.test_provider_webhooks import KINDS, SETTINGS, TOKEN, count, shared_channel
from tests.factories import default_agent
from tests.fakes.runtime import fake_runtime
from tests.passes import run_passes
from tests.servers import serve_asgi

SEED_PATHS = {
    "whatsapp_evolution": "/gateway/evolution/whatsapp",
    "wechat_ecloud": "/gateway/ecloud/wechat",
    "linq": "/gateway/linq",
}
SEED_KINDS = pytest.mark.parametrize("kind_name", SEED_PATHS.keys())


def post_seed(client, kind_name, channel_id, payload, token=TOKEN):
    body, headers = KINDS[kind_name].request(payload)
    return client.post(
        f"{SEED_PATHS[kind_name]}/{channel_id}/{token}", content=body, headers=headers
    )


@pytest.fixture
def runtime():
    with fake_runtime() as fake:
        yield fake


@SEED_KINDS
def test_a_seed_path_stores_the_event_and_it_reaches_the_runtime(
    db, client, session, runtime, kind_name
):
    kind = KINDS[kind_name]
    channel = shared_channel(session, kind, agent=default_agent(session, runtime.endpoint))
    runtime.replies.append({"reply": "Hi there!"})
    response = post_seed(client, kind_name, channel.id, kind.payload("7001"))
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "data": {"received": 1, "duplicates": 0}}
    [event] = session.exec(select(InboundEvent)).all()
    assert (event.channel_id, event.payload["text"]) == (channel.id, "hello")
    run_passes(db, InboundWorker, settings=SETTINGS)
    run_passes(db, InboundWorker, settings=SETTINGS)
    assert runtime.texts() == ["hello"]
    assert runtime.messages[0]["metadata"]["platform"] == kind_name


@SEED_KINDS
def test_a_seed_path_refuses_a_wrong_token_like_the_api_path(client, session, kind_name):
    kind = KINDS[kind_name]
    channel = shared_channel(session, kind)
    seed = post_seed(client, kind_name, channel.id, kind.payload("7002"), token="wrong-token")
    body, headers = kind.request(kind.payload("7002"))
    api = client.post(
        f"/api/webhooks/{kind_name}/{channel.id}/wrong-token", content=body, headers=headers
    )
    assert (seed.status_code, seed.json()) == (api.status_code, api.json())
    assert seed.status_code == 403
    assert TOKEN not in seed.text
    assert count(session, InboundEvent) == 0


@SEED_KINDS
def test_a_redelivery_on_a_seed_path_is_deduplicated_with_the_api_path(client, session, kind_name):
    kind = KINDS[kind_name]
    channel = shared_channel(session, kind)
    first = post_seed(client, kind_name, channel.id, kind.payload("7003"))
    assert first.json()["data"] == {"received": 1, "duplicates": 0}
    again = post_seed(client, kind_name, channel.id, kind.payload("7003"))
    assert again.json()["data"] == {"received": 0, "duplicates": 1}
    body, headers = kind.request(kind.payload("7003"))
    api = client.post(
        f"/api/webhooks/{kind_name}/{channel.id}/{TOKEN}", content=body, headers=headers
    )
    assert api.json()["data"] == {"received": 0, "duplicates": 1}
    assert count(session, InboundEvent) == 1


def test_a_seed_path_of_another_kind_s_channel_is_404(client, session):
    channel = shared_channel(session, KINDS["whatsapp_evolution"])
    response = post_seed(client, "wechat_ecloud", channel.id, KINDS["wechat_ecloud"].payload("1"))
    assert response.status_code == 404
    assert response.json()["error"] == "channel_not_found"


async def web_app(scope, receive, send) -> None:
    """Stands in for Reflex's backend behind the API: answers every request with HTML."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
    )
    await send({"type": "http.response.body", "body": b"<html>web</html>"})


def test_unknown_gateway_paths_are_json_404_not_handed_to_the_web_app(db):
    with serve_asgi(build_api(db, downstream=web_app)) as url, httpx.Client(base_url=url) as http:
        assert http.get("/anything").text == "<html>web</html>"
        for method, path in [("GET", "/gateway/linq/ch_1/t"), ("POST", "/gateway/telegram/ch_1/t")]:
            response = http.request(method, path)
            assert response.status_code in (404, 405), path
            assert response.headers["content-type"].startswith("application/json")
