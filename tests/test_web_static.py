"""The production web server answers each route with its exported page, asset or fallback, and
a path no route matches with status 404 and the not-found page."""

import httpx

from clawscale.pages import routed_paths
from clawscale.settings import Settings
from clawscale.web_static import ExportedSite
from tests.servers import serve_asgi


def export(tmp_path):
    (tmp_path / "index.html").write_text("landing")
    (tmp_path / "account.html").write_text("account page")
    (tmp_path / "admin").mkdir()
    (tmp_path / "admin" / "deliveries.html").write_text("deliveries page")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "__spa-fallback.html").write_text("fallback")
    (tmp_path / "404.html").write_text("not found page")
    return ExportedSite(tmp_path, routed_paths(Settings(_env_file=None)))


def test_routes_assets_dynamic_routes_and_unknown_paths(tmp_path):
    paths = (
        "/",
        "/account",
        "/admin/deliveries",
        "/assets/app.js",
        "/chat/ch_123",
        "/admin/shared-channels/ch_456/",
        "/admin/x/y",
        "/chat",
        "/assets/missing.js",
    )
    with serve_asgi(export(tmp_path)) as url:
        answers = {path: httpx.get(f"{url}{path}") for path in paths}
        escape = httpx.get(f"{url}/..%2f..%2fetc%2fpasswd")
    assert {path: (answer.status_code, answer.text) for path, answer in answers.items()} == {
        "/": (200, "landing"),
        "/account": (200, "account page"),
        "/admin/deliveries": (200, "deliveries page"),
        "/assets/app.js": (200, "console.log(1)"),
        "/chat/ch_123": (200, "fallback"),
        "/admin/shared-channels/ch_456/": (200, "fallback"),
        "/admin/x/y": (404, "not found page"),
        "/chat": (404, "not found page"),
        "/assets/missing.js": (404, "not found page"),
    }
    assert (escape.status_code, escape.text) == (404, "not found page")
