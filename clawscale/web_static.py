"""Serves the exported web frontend (production): `python -m clawscale.web_static`.

`reflex export --frontend-only` writes prerendered pages (`account.html`, `admin/deliveries.html`,
...) and `__spa-fallback.html` for routes only the browser can render (dynamic segments). This
small ASGI app answers each path with its page, a static asset, or the fallback.
"""

import os
import sys
from pathlib import Path

import uvicorn
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from clawscale.logs import configure_logging, log_start
from clawscale.settings import PROJECT_ROOT, get_settings

EXPORT_DIR = PROJECT_ROOT / ".web" / "build" / "client"
FALLBACK = "__spa-fallback.html"


class ExportedSite:
    """Prerendered page for a route, else a static file, else the SPA fallback."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.files = StaticFiles(directory=self.root)

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
            fallback: Response = FileResponse(self.root / FALLBACK, status_code=200)
            await fallback(scope, receive, send)


def main() -> None:
    """Serve the export on WEB_PORT until interrupted."""
    if not (EXPORT_DIR / FALLBACK).is_file():
        sys.exit(f"no exported frontend in {EXPORT_DIR}: run `reflex export --frontend-only`")
    settings = get_settings()
    configure_logging(settings)
    log_start("web_static", settings, uses_database=False)
    host = os.environ.get("WEB_HOST", "0.0.0.0")
    uvicorn.run(ExportedSite(EXPORT_DIR), host=host, port=settings.WEB_PORT, log_config=None)


if __name__ == "__main__":
    main()
