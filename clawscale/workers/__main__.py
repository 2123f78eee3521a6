"""`python -m clawscale.workers`: the background workers alone, for scaling out."""

import asyncio
import contextlib
import logging

from clawscale.db import get_engine
from clawscale.settings import get_settings
from clawscale.workers.dispatcher import Dispatcher


def main() -> None:
    """Run the dispatcher until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    settings.check_production_secrets()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Dispatcher(get_engine(), settings).run_forever())


main()
