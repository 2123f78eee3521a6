"""`python -m clawscale.workers`: the background workers alone, for scaling out."""

import asyncio
import contextlib

from clawscale.db import get_engine
from clawscale.logs import configure_logging, log_start
from clawscale.settings import get_settings
from clawscale.workers.loop import run_all_workers
from clawscale.workers.metrics_server import start_metrics_server


def main() -> None:
    """Run every worker until interrupted."""
    settings = get_settings()
    configure_logging(settings)
    settings.check_production_secrets()
    log_start("workers", settings)
    engine = get_engine()
    start_metrics_server(engine, settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_all_workers(engine, settings))


main()
