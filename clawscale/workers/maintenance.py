"""Slow periodic chores, once an hour per process: the "your access ends soon" emails, and
failing calendar imports whose process died mid-import.

A notice names the expiry it is about, and one already sent is not sent again, so several
processes doing this at once send each notice once (bar a rare race on the same minute).
"""

import asyncio
import time

import httpx
from sqlalchemy.engine import Engine

from clawscale.db import session_scope
from clawscale.domain.billing.mail import send_expiry_notices
from clawscale.domain.calendar_import.runs import fail_stuck_runs
from clawscale.settings import Settings

INTERVAL_SECONDS = 3600.0


class MaintenanceWorker:
    """Runs the hourly chores when they are due; every other pass does nothing."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.next_run = time.monotonic()

    def _chores(self) -> int:
        with session_scope(self.engine) as db:
            fail_stuck_runs(db)
            return send_expiry_notices(db, self.settings)

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Send due notices when an hour has passed; 0, so the loop idles between passes."""
        if time.monotonic() < self.next_run:
            return 0
        self.next_run = time.monotonic() + INTERVAL_SECONDS
        await asyncio.to_thread(self._chores)
        return 0
