"""The gateway's API as granian serves it in the benchmarks (no web pages, no workers)."""

from clawscale.api.app import build_api
from clawscale.db import get_engine

app = build_api(get_engine())
