"""The HTTP client of a worker's slot: httpx's `AsyncClient`, whose plain requests go straight to
its transport.

A worker's sends and forwards are plain requests: built by the client (its timeout, headers and
base settings merged in), no auth flow, no redirects followed, the whole body read. For those,
`AsyncClient.send` adds layers that do nothing here but cost CPU on every request: the auth
flow's generator, the redirect loop, a timer for `Response.elapsed`, and the cookie jar, which
parses each response for cookies to send back later. That was a sixth of a send's CPU: 64 slots
posting to the benchmarks' fake provider on two cores took 0.55-0.60 ms a request through
`AsyncClient.send` against 0.46-0.49 ms straight to the transport.

Keeping no cookies is also what a slot should do: one slot sends for every tenant's channels,
and a cookie one provider account set would otherwise go back with another's requests to the
same host. `Response.elapsed` is not set on these responses (nothing of ours reads it). Any
request that asks for more (streaming, auth, redirects) goes through `AsyncClient.send`.

One call is httpx's own, not its public API: `_transport_for_url`, which keeps the client's
proxy and mount routing. httpx is pinned in requirements.txt; on an upgrade, the tests in
tests/workers/test_direct_client.py say whether it still holds.
"""

from typing import Any

import httpx
from httpx import USE_CLIENT_DEFAULT


class DirectClient(httpx.AsyncClient):
    """An `AsyncClient` whose plain requests skip the auth flow, redirect handling, timer and
    cookie jar of `AsyncClient.send`: the transport's response, its body read."""

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """`request`'s response, read; as `AsyncClient.send` for anything but a plain
        request."""
        if follow_redirects is USE_CLIENT_DEFAULT:
            follow_redirects = self.follow_redirects
        if stream or follow_redirects or auth is not USE_CLIENT_DEFAULT or self.auth is not None:
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        request.extensions.setdefault("timeout", self.timeout.as_dict())
        try:
            response = await self._transport_for_url(request.url).handle_async_request(request)
        except httpx.RequestError as error:
            error.request = request
            raise
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response
