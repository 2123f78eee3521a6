"""Someone else's website on 127.0.0.1: one HTML page at `/`, which the test may write once it
knows the site's origin (the browser tests embed the web chat widget in it)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.http_server import SHUTDOWN_POLL_SECONDS


@dataclass
class Website:
    """The site's origin (`http://127.0.0.1:<port>`) and the HTML its `/` serves."""

    url: str
    html: str = ""


@contextmanager
def website() -> Iterator[Website]:
    """A new site serving `Website.html` at `/`, until the block ends."""
    site = Website("")

    class _Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = site.html.encode()
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
