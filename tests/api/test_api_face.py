"""The API face over real HTTP: health, JSON errors, retired paths, namespaces."""

import httpx
import pytest

from clawscale.api.app import build_api
from clawscale.db import create_db_engine
from clawscale.domain.rate_limits import (
    KeyedRateLimiter,
    shared_api_key_limiter,
    shared_webhook_limiter,
)
from tests.servers import serve_asgi

RETIRED = ["/coke", "/coke/login", "/api/coke/users/1", "/user", "/user/profile"]


def test_health_reports_database_and_version(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


def test_health_is_degraded_when_the_database_is_unreachable():
    engine = create_db_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with serve_asgi(build_api(engine)) as url:
        response = httpx.get(f"{url}/health", timeout=10)
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/admin/nope", "/health/extra"])
def test_unknown_api_paths_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"ok": False, "error": "not_found"}


def test_wrong_method_answers_json_405(client):
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.json() == {"ok": False, "error": "method_not_allowed"}


@pytest.mark.parametrize("path", RETIRED)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_retired_paths_answer_404(client, path, method):
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.json()["ok"] is False
    assert response.json()["error"] == "not_found"


def test_namespaces_are_mounted(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/health" in paths
    assert not any(path.startswith(("/coke", "/user", "/api/coke")) for path in paths)


def test_a_database_outage_answers_503_in_the_envelope():
    engine = create_db_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with serve_asgi(build_api(engine)) as url:
        response = httpx.post(
            f"{url}/api/auth/login", json={"email": "a@b.co", "password": "x"}, timeout=10
        )
    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"
    assert response.headers["retry-after"] == "2"


def test_answers_carry_security_headers(client):
    for response in (client.get("/health"), client.get("/api/nothing")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in response.headers


def test_outbound_calls_are_rate_limited_per_key(client, api_app):
    api_app.state.api_key_limiter = KeyedRateLimiter("3/minute")
    headers = {"Authorization": "Bearer dev-outbound-api-key"}
    statuses = [
        client.post("/api/outbound", json={}, headers=headers).status_code for _ in range(4)
    ]
    api_app.state.api_key_limiter = shared_api_key_limiter()
    assert statuses == [400, 400, 400, 429]


def test_webhooks_are_rate_limited_per_channel(client, api_app):
    api_app.state.webhook_limiter = KeyedRateLimiter("2/minute")
    statuses = [
        client.post(f"/api/webhooks/linq/{channel}/token", content=b"{}").status_code
        for channel in ("ch_a", "ch_a", "ch_a", "ch_b")
    ]
    api_app.state.webhook_limiter = shared_webhook_limiter()
    assert statuses == [404, 404, 429, 404]
