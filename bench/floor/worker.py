"""The floors' worker, `python -m bench.floor.worker outbound|inbound` (FLOOR_DSN and
FLOOR_PEER_URL in the environment): one asyncio process, like `python -m clawscale.workers`.

Woken by the table's NOTIFY (or every IDLE_SECONDS), it records the outcomes that came in since
its last round in one UPDATE, then claims pending rows for its free slots in one UPDATE ... FOR
UPDATE SKIP LOCKED, and sends each on a task of its own with the slot's HTTP client: up to SLOTS
sends in flight, as the gateway's workers keep, with the gateway's slot clients
(`slots.slot_clients`: a `DirectClient` a slot, sharing one TLS context). While more than half
its slots are busy it claims nothing, so one claim fills several slots rather than one each.
"""

import asyncio
import contextlib
import os
import sys

import httpx
import psycopg
import uvloop

from bench.floor.jobs import JOBS, Job
from bench.floor.store import CLAIM, LISTEN, RECORD, statement
from clawscale.workers.slots import MAX_IN_FLIGHT as SLOTS
from clawscale.workers.slots import slot_clients

IDLE_SECONDS = 0.5
SEND_TIMEOUT_SECONDS = 10.0


class Worker:
    """Claims `job`'s rows on `connection` and sends them to `peer_url`, one slot a client."""

    def __init__(
        self,
        job: Job,
        connection: psycopg.AsyncConnection,
        peer_url: str,
        clients: list[httpx.AsyncClient],
    ) -> None:
        self.job = job
        self.connection = connection
        self.peer_url = peer_url
        self.idle_clients = clients
        self.claim = statement(CLAIM, job.table)
        self.record = statement(RECORD, job.table)
        self.outcomes: list[tuple[int, str]] = []
        self.changed = asyncio.Event()
        self.sending: set[asyncio.Task[None]] = set()

    async def send(self, client: httpx.AsyncClient, row: tuple[int, str, str]) -> None:
        path, body = self.job.request(*row)
        try:
            response = await client.post(f"{self.peer_url}{path}", json=body)
            status = "sent" if response.is_success else "failed"
        except httpx.HTTPError:
            status = "failed"
        self.outcomes.append((row[0], status))
        self.idle_clients.append(client)
        self.changed.set()

    async def cycle(self) -> None:
        """Record the outcomes so far, then claim for the free slots (when half are free)."""
        if self.outcomes:
            outcomes, self.outcomes = self.outcomes, []
            ids, statuses = zip(*outcomes, strict=True)
            await self.connection.execute(self.record, (list(ids), list(statuses)))
        free = len(self.idle_clients)
        if free * 2 < SLOTS:
            return
        claimed = await self.connection.execute(self.claim, (free,))
        for row in await claimed.fetchall():
            task = asyncio.create_task(self.send(self.idle_clients.pop(), row))
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_SECONDS):
                    await self.changed.wait()
            self.changed.clear()
            await self.cycle()


async def listen(dsn: str, table: str, changed: asyncio.Event) -> None:
    """Set `changed` on each NOTIFY of `table`'s channel."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
        await connection.execute(statement(LISTEN, table))
        async for _ in connection.notifies():
            changed.set()


async def main(job: Job) -> None:
    dsn = os.environ["FLOOR_DSN"]
    async with (
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection,
        slot_clients(SEND_TIMEOUT_SECONDS, SLOTS) as clients,
    ):
        worker = Worker(job, connection, os.environ["FLOOR_PEER_URL"], clients)
        listener = asyncio.create_task(listen(dsn, job.table, worker.changed))
        await asyncio.gather(listener, worker.run())


if __name__ == "__main__":
    uvloop.run(main(JOBS[sys.argv[1]]))
