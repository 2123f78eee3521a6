"""The production web server answers each route with its exported page, asset or fallback."""

import httpx

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
    return ExportedSite(tmp_path)


def test_routes_assets_and_fallback(tmp_path):
    with serve_asgi(export(tmp_path)) as url:
        answers = {
            path: httpx.get(f"{url}{path}").text
            for path in ("/", "/account", "/admin/deliveries", "/assets/app.js", "/admin/x/y")
        }
        escape = httpx.get(f"{url}/..%2f..%2fetc%2fpasswd")
    assert answers == {
        "/": "landing",
        "/account": "account page",
        "/admin/deliveries": "deliveries page",
        "/assets/app.js": "console.log(1)",
        "/admin/x/y": "fallback",
    }
    assert escape.text == "fallback"
