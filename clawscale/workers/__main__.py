"""`python -m clawscale.workers`: the background workers alone, once per host or scaled out.

SIGTERM and SIGINT stop it gracefully: no new work is claimed, work in flight gets
STOP_GRACE_SECONDS to finish, and the leases of what is cut short are given back. The loop is
uvloop's (libuv), as granian and uvicorn choose for the web server when it is installed; what
was built to start is frozen out of the garbage collector's way (`startup_heap`).
"""

import asyncio
import contextlib
import logging
import signal

import uvloop

from clawscale.db import get_engine
from clawscale.logs import configure_logging, log_start
from clawscale.settings import Settings, get_settings
from clawscale.startup_checks import log_startup_warnings, refuse_to_start_on_problems
from clawscale.startup_heap import freeze_startup_heap
from clawscale.workers.loop import run_all_workers
from clawscale.workers.metrics_server import start_metrics_server

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_until_stopped(settings: Settings) -> None:
    """Every worker until SIGTERM or SIGINT cancels them (a second signal ends the grace)."""
    workers = asyncio.current_task()
    assert workers is not None
    loop = asyncio.get_running_loop()
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, workers.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await run_all_workers(get_engine(), settings)
    logging.getLogger(__name__).info("workers stopped")


def main() -> None:
    """Check the settings, then run every worker until stopped."""
    settings = get_settings()
    configure_logging(settings)
    log_startup_warnings(settings)
    refuse_to_start_on_problems(settings)
    log_start("workers", settings)
    start_metrics_server(get_engine(), settings)
    freeze_startup_heap()
    uvloop.run(run_until_stopped(settings))


main()
