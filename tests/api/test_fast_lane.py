"""The fast lane: the hot routes answered before FastAPI's routing, with the app's settings
and its own error answers, and everything else left to FastAPI."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from clawscale.api.app import FAST_ROUTES
from clawscale.api.errors import ApiError, install_error_handlers
from clawscale.api.fast_lane import FastLane, FastRoute
from clawscale.api.security import SettingsDep, current_settings
from clawscale.settings import Settings
from tests.servers import serve_asgi

OVERRIDDEN = Settings(_env_file=None, CLAWSCALE_OUTBOUND_API_KEY="lane-key")


async def echo(kind: str, item_id: str, request: Request, settings: Settings) -> JSONResponse:
    """Answers with what it was called with; fails on demand."""
    if kind == "refused":
        raise ApiError(403, "forbidden", "Not this one.")
    if kind == "broken":
        raise RuntimeError("a bug")
    body = await request.body()
    return JSONResponse(
        {
            "kind": kind,
            "item_id": item_id,
            "body": body.decode(),
            "key": settings.CLAWSCALE_OUTBOUND_API_KEY,
        }
    )


def lane_app() -> FastAPI:
    """An app whose lane knows `/things/{kind}/{item_id}` and `/lane-only`; FastAPI knows
    the first (GET and POST) but not the second."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/things/{kind}/{item_id}")
    async def read(kind: str, item_id: str) -> dict[str, str]:
        return {"served_by": "fastapi", "kind": kind}

    @app.post("/things/{kind}/{item_id}")
    async def write(kind: str, item_id: str, request: Request, settings: SettingsDep):
        return await echo(kind, item_id, request, settings)

    async def lane_only(request: Request, settings: Settings) -> JSONResponse:
        return JSONResponse({"served_by": "lane"})

    routes = (FastRoute("/things/{kind}/{item_id}", echo), FastRoute("/lane-only", lane_only))
    app.add_middleware(FastLane, api=app, routes=routes)
    app.dependency_overrides[current_settings] = lambda: OVERRIDDEN
    return app


@pytest.fixture(scope="module")
def lane() -> Iterator[httpx.Client]:
    with serve_asgi(lane_app()) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def test_a_lane_route_gets_its_path_body_and_the_apps_settings(lane: httpx.Client) -> None:
    answer = lane.post("/things/parcel/42", content=b"hello")
    assert answer.status_code == 200
    assert answer.json() == {"kind": "parcel", "item_id": "42", "body": "hello", "key": "lane-key"}


def test_the_lane_answers_before_fastapis_routing(lane: httpx.Client) -> None:
    assert lane.post("/lane-only").json() == {"served_by": "lane"}
    assert lane.get("/lane-only").status_code == 404


def test_errors_get_the_apps_own_answers(lane: httpx.Client) -> None:
    refused = lane.post("/things/refused/1")
    assert refused.status_code == 403
    assert refused.json() == {"ok": False, "error": "forbidden", "message": "Not this one."}
    broken = lane.post("/things/broken/1")
    assert broken.status_code == 500
    assert broken.json() == {"ok": False, "error": "internal_error"}
    assert "a bug" not in broken.text


def test_other_methods_and_paths_go_on_to_fastapi(lane: httpx.Client) -> None:
    assert lane.get("/things/parcel/42").json() == {"served_by": "fastapi", "kind": "parcel"}
    assert lane.post("/things/parcel").status_code == 404
    assert lane.post("/things/parcel/42/more").status_code == 404


def test_the_gateways_lane_takes_the_runtimes_replies_and_the_provider_webhooks() -> None:
    def taken(path: str) -> bool:
        scope = {"type": "http", "method": "POST", "path": path}
        return FastLane(app=FastAPI(), api=FastAPI(), routes=FAST_ROUTES).match(scope) is not None

    assert taken("/api/outbound")
    assert taken("/api/webhooks/whatsapp_evolution/ch_1/token")
    assert not taken("/api/outbound/extra")
    assert not taken("/api/webhooks/whatsapp_evolution/ch_1")


def test_the_lanes_routes_keep_their_openapi_entries(client: httpx.Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for route in FAST_ROUTES:
        answer = paths[route.path]["post"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in answer["schema"]
