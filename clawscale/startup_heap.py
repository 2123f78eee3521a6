"""What a serving process built to start (modules, classes, routes, compiled statements) kept
out of the cyclic garbage collector's way.

A full collection walks every tracked object. Started, the API server holds about 190,000 of
them and the workers about 145,000, nearly all there for good; measured under the inbound
benchmark's load, each full collection stalled the server for 30 to 177 ms, which queued every
request behind it: the tail of its accept latency. Frozen (`gc.freeze`) once a process is
about to serve, they are left out of every later collection, which then walks only what the
process made since (about 20,000 objects). Reference counting still frees them as before; only
a cycle among them, were one to become garbage, would stay.

`python -m clawscale.workers` freezes its heap here. The Reflex backend, which serves the API
in production, gets the same from Reflex: `reflex run --env prod` imports the app, collects and
freezes, then forks its workers (`reflex.utils.exec._freeze_for_fork`); the benchmarks' API
alone (`bench/gateway_app.py`) freezes here to match.
"""

import gc


def freeze_startup_heap() -> None:
    """Leave everything allocated so far out of later garbage collections: call once, when
    the process has started and is about to serve."""
    gc.collect()
    gc.freeze()
