"""Quieter Reflex start-up, set up from `rxconfig.py` (imported before Reflex does its checks).

Reflex otherwise probes two npm registries (npmjs and a mirror) to pick the faster, tells us to
start the app with `uv run reflex run` (we start it with `scripts/run`), and warns that Debian's
Node.js is older than it likes (it runs the frontend with bun). The registry is NPM_CONFIG_REGISTRY,
which Reflex reads from the environment (its PyPI version check is off in
`scripts/toolchain.env`); the rest are log records, dropped by a filter on the loggers that write
them. Reflex's code is left as it is.
"""

import logging
import os

from clawscale.settings import Settings

NOISE: dict[str, tuple[str, ...]] = {
    "reflex.reflex": ("`uv run reflex run`",),
    "reflex.utils.js_runtimes": ("of Node.js is out of date",),
    "reflex.utils.registry": ("Failed to connect to",),
}
"""Per Reflex logger, the fragments of the messages dropped."""


class DropMessages(logging.Filter):
    """Drops records whose message contains any of `fragments`."""

    def __init__(self, fragments: tuple[str, ...]) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def quiet_reflex_startup(settings: Settings) -> None:
    """Point Reflex at NPM_CONFIG_REGISTRY (from the environment or `.env`), and filter its
    start-up advice and warnings that do not apply here."""
    os.environ["NPM_CONFIG_REGISTRY"] = settings.NPM_CONFIG_REGISTRY
    for name, fragments in NOISE.items():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, DropMessages) for existing in logger.filters):
            logger.addFilter(DropMessages(fragments))
