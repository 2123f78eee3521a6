"""The mail worker: claims due emails and sends them through Resend.

Runs beside the dispatcher (`workers/loop.run_all_workers`), woken by `queue/signals.MAIL` when
an email is queued; any number of mail workers may share one PostgreSQL database. It keeps at
most SENDS_AT_ONCE sends in flight, as Resend's default rate limit is two requests a second (a
429 is retried after its Retry-After); with one, emails go out in the order they were written.
Without a Resend key it claims nothing: such mail is kept.
"""

import httpx
from sqlalchemy.engine import Engine

from clawscale.db import session_scope
from clawscale.domain.mail.sending import claim_due_mail, record_mail_outcomes
from clawscale.domain.mail.transport import MailOutcome, OutgoingMail, mail_is_sent, send_mail
from clawscale.domain.queue import leases
from clawscale.settings import Settings
from clawscale.workers.dispatcher import new_worker_id
from clawscale.workers.slots import SlotRunner
from clawscale.workers.wakeup import Wakeup

SENDS_AT_ONCE = 2


class MailWorker:
    """Sends due emails."""

    def __init__(
        self, engine: Engine, settings: Settings, sends_at_once: int = SENDS_AT_ONCE
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.sends_at_once = sends_at_once
        self.worker_id = new_worker_id("mail")

    def _claim(self, limit: int) -> list[OutgoingMail]:
        if not mail_is_sent(self.settings):
            return []
        lease = leases.lease_length(self.settings)
        with session_scope(self.engine) as db:
            return claim_due_mail(db, self.worker_id, limit, lease)

    def _record_outcomes(self, outcomes: list[MailOutcome]) -> None:
        with session_scope(self.engine) as db:
            record_mail_outcomes(db, outcomes, self.worker_id)

    async def _send(self, client: httpx.AsyncClient, mail: OutgoingMail) -> MailOutcome:
        return await send_mail(client, self.settings, mail)

    def _runner(self, clients: list[httpx.AsyncClient]) -> SlotRunner[OutgoingMail, MailOutcome]:
        slots = clients[: self.sends_at_once]
        return SlotRunner(
            self._claim,
            self._record_outcomes,
            self._send,
            slots,
            batch_size=self.sends_at_once,
        )

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One pass of `run`'s loop with `client` in every slot, waiting for every outcome;
        how many emails were attempted."""
        return await self._runner([client] * self.sends_at_once).run_pass()

    async def run(self, clients: list[httpx.AsyncClient], wakeup: Wakeup) -> None:
        """Send until cancelled, up to `sends_at_once` emails at once."""
        await self._runner(clients).run(wakeup)
