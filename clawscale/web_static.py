"""Serves the exported web frontend (production): `python -m clawscale.web_static`.

`reflex export --frontend-only` writes prerendered pages (`account.html`, `admin/deliveries.html`,
...), `__spa-fallback.html` for routes only the browser can render (dynamic segments) and
`404.html` (the app, which shows the not-found page where no route matches). This small ASGI app
answers each path with its page, a static asset, the fallback for a path one of the app's routes
matches (`/chat/<channel id>`), or else status 404 with `404.html`.
"""

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from reflex.route import get_router
from reflex.utils.format import format_route
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from clawscale.logs import configure_logging, log_start
from clawscale.pages import routed_paths
from clawscale.settings import get_settings
from clawscale.web_export import FALLBACK_PAGE, export_dir

NOT_FOUND = "404.html"


class ExportedSite:
    """Prerendered page for a route, else a static file, else the SPA fallback for a path one
    of `routes` (Reflex routes, `/chat/[channel_id]`) matches, else 404 with the not-found page."""

    def __init__(self, root: Path, routes: Sequence[str]) -> None:
        self.root = root.resolve()
        self.files = StaticFiles(directory=self.root)
        self.route_of = get_router([format_route(route) for route in routes])

    def _page(self, path: str) -> Path | None:
        relative = path.strip("/") or "index"
        for candidate in (f"{relative}.html", f"{relative}/index.html"):
            page = (self.root / candidate).resolve()
            if page.is_relative_to(self.root) and page.is_file():
                return page
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = self._page(scope["path"]) if scope["type"] == "http" else None
        if page is not None:
            await FileResponse(page)(scope, receive, send)
            return
        try:
            await self.files(scope, receive, send)
        except HTTPException as missing:
            if missing.status_code != 404:
                raise
            await self._unexported(scope["path"])(scope, receive, send)

    def _unexported(self, path: str) -> Response:
        """The SPA fallback for a route's path; else status 404 with the not-found page."""
        if self.route_of(path) is not None:
            return FileResponse(self.root / FALLBACK_PAGE)
        not_found = self.root / NOT_FOUND
        return FileResponse(not_found if not_found.is_file() else self.root / FALLBACK_PAGE, 404)


def main() -> None:
    """Serve the export on WEB_PORT until interrupted."""
    site = export_dir()
    if not (site / FALLBACK_PAGE).is_file():
        sys.exit(f"no exported frontend in {site}: run `python -m clawscale.web_export`")
    settings = get_settings()
    configure_logging(settings)
    log_start("web_static", settings, uses_database=False)
    host = os.environ.get("WEB_HOST", "0.0.0.0")
    uvicorn.run(
        ExportedSite(site, routed_paths(settings)),
        host=host,
        port=settings.WEB_PORT,
        log_config=None,
    )


if __name__ == "__main__":
    main()
