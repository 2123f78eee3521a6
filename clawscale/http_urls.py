"""Request URLs parsed once: httpx parses a URL given as a string on every request, which is
about half the CPU of building the request; the workers send to the same few URLs (a
provider's send endpoint, an agent's endpoint) all day."""

from functools import lru_cache

import httpx


@lru_cache(maxsize=1024)
def parsed_url(url: str) -> httpx.URL:
    """`url` as httpx's URL, parsed on its first use."""
    return httpx.URL(url)
