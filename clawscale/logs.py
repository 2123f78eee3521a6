"""Logging for every process (the backend, the standalone workers, the static web server).

`configure_logging` sends every logger's records to standard error, one line each: a JSON
object (LOG_FORMAT=json, for log collectors) or plain text, at LOG_LEVEL and above. `log_start`
writes the one line a process writes when it starts: what it is, its version, its pid and which
kind of database it uses (never the database's address, which may hold a password).
"""

import logging
import os

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

from clawscale import __version__
from clawscale.settings import LogFormat, Settings, get_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
QUIET_LOGGERS = ("alembic.runtime.plugins", "alembic.runtime.migration", "httpx")
"""Libraries kept at WARNING: Alembic writes eight INFO lines each time Reflex checks whether
the schema is current (the migrations themselves run in `python -m clawscale db upgrade`), and
httpx one line per request, which for the workers is a line per send and per forward (3% of
their CPU under load; the workers log each batch's outcomes themselves)."""

logger = logging.getLogger(__name__)


class _GatewayHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs, told apart so a second call replaces it."""


def formatter_for(log_format: LogFormat) -> logging.Formatter:
    """The formatter writing one record as one line in `log_format`."""
    if log_format is LogFormat.JSON:
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMED)
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings) -> None:
    """Write every logger's records at LOG_LEVEL and above to standard error in LOG_FORMAT."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _GatewayHandler)]:
        root.removeHandler(handler)
    handler = _GatewayHandler()
    handler.setFormatter(formatter_for(settings.LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def database_kind(database_url: str) -> str:
    """`sqlite` or `postgresql`: the database's kind, without its address or credentials."""
    return make_url(database_url).get_backend_name()


def log_start(process_kind: str, settings: Settings, *, uses_database: bool = True) -> None:
    """The start line: which process, its version, its pid and its kind of database (`none`
    for a process that uses none)."""
    database = database_kind(settings.DATABASE_URL) if uses_database else "none"
    fields = {
        "process_kind": process_kind,
        "version": __version__,
        "pid": os.getpid(),
        "database": database,
    }
    logger.info(
        "clawscale %s %s started (pid %d, %s database)",
        process_kind,
        __version__,
        os.getpid(),
        database,
        extra={"event": "start", **fields},
    )


def log_backend_start() -> None:
    """The backend's start line (a Reflex lifespan task, so it is written when the backend
    serves, not when the app is imported to compile the pages)."""
    log_start("backend", get_settings())
