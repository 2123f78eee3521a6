"""`python -m clawscale.workers`: the background workers alone, for scaling out."""

import asyncio
import contextlib
import logging

from clawscale.db import get_engine
from clawscale.settings import get_settings
from clawscale.workers.loop import run_all_workers


def main() -> None:
    """Run every worker until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    settings.check_production_secrets()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_all_workers(get_engine(), settings))


main()
