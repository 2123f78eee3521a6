"""The gateway's API as granian serves it in the benchmarks (no web pages, no workers), its
start-up heap frozen as Reflex freezes the production backend's (`clawscale.startup_heap`)."""

from clawscale.api.app import build_api
from clawscale.db import get_engine
from clawscale.startup_heap import freeze_startup_heap

app = build_api(get_engine())
freeze_startup_heap()
