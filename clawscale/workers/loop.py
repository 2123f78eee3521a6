"""Running the background workers side by side until cancelled: each repeats passes, sleeping
briefly when idle. They run in task groups, so one that fails stops its siblings rather than
leaving them running unwatched, and cancelling the whole stops each gracefully (see
`SlotRunner.run`)."""

import asyncio
import logging
from typing import Protocol

import httpx
from sqlalchemy.engine import Engine

from clawscale.domain.queue import leases
from clawscale.domain.queue.signals import INBOUND, MAIL, OUTBOX, WorkSignal
from clawscale.settings import Settings
from clawscale.workers.dispatcher import Dispatcher
from clawscale.workers.inbound import InboundWorker
from clawscale.workers.mail import MailWorker
from clawscale.workers.maintenance import MaintenanceWorker
from clawscale.workers.slots import MAX_IN_FLIGHT, slot_clients
from clawscale.workers.wakeup import Wakeup, relay_notifications
from clawscale.workers.wechat_poller import SCAN_SECONDS, WeChatPollers

logger = logging.getLogger(__name__)

IDLE_SECONDS = 0.5
HTTP_TIMEOUT_SECONDS = 15.0


class PassWorker(Protocol):
    """A worker whose unit of work is one pass over what is due."""

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Do what is due; how many items were attempted."""
        ...


async def run_forever(worker: PassWorker, idle_seconds: float = IDLE_SECONDS) -> None:
    """Repeat passes until cancelled; errors are logged and the next pass goes on."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
        while True:
            try:
                attempted = await worker.run_once(client)
            except Exception:
                logger.exception("%s pass failed; trying again", type(worker).__name__)
                attempted = 0
            if attempted == 0:
                await asyncio.sleep(idle_seconds)


class SlotWorker(Protocol):
    """A worker that keeps several items in flight until cancelled (`SlotRunner`)."""

    async def run(self, clients: list[httpx.AsyncClient], wakeup: Wakeup) -> None:
        """Work until cancelled, sleeping on `wakeup` when idle."""
        ...


async def run_woken(
    engine: Engine, signal: WorkSignal, worker: SlotWorker, slots: int = MAX_IN_FLIGHT
) -> None:
    """`worker` until cancelled, with an HTTP client for each of `slots`, its wakeup poked
    by commits that make the signal's rows due: this process's own at once, other processes'
    through PostgreSQL NOTIFY."""
    wakeup = Wakeup()
    forget = signal.on_due(wakeup.poke)
    try:
        async with (
            slot_clients(HTTP_TIMEOUT_SECONDS, slots) as clients,
            asyncio.TaskGroup() as group,
        ):
            group.create_task(worker.run(clients, wakeup))
            group.create_task(relay_notifications(engine, signal.channel, wakeup))
    finally:
        forget()


async def run_dispatcher(engine: Engine, settings: Settings) -> None:
    """The outbox dispatcher until cancelled, woken by deliveries becoming due."""
    await run_woken(engine, OUTBOX, Dispatcher(engine, settings))


async def run_inbound_worker(engine: Engine, settings: Settings) -> None:
    """The inbound worker until cancelled, woken by bindings and events becoming due."""
    await run_woken(engine, INBOUND, InboundWorker(engine, settings))


async def run_all_workers(engine: Engine, settings: Settings) -> None:
    """The dispatcher, the inbound worker, the WeChat pollers and the hourly chores, side by
    side, until cancelled."""
    async with asyncio.TaskGroup() as group:
        group.create_task(run_dispatcher(engine, settings))
        group.create_task(run_inbound_worker(engine, settings))
        mail = MailWorker(engine, settings)
        group.create_task(run_woken(engine, MAIL, mail, slots=mail.sends_at_once))
        group.create_task(run_forever(MaintenanceWorker(engine, settings), idle_seconds=60))
        group.create_task(wechat_pollers(engine, settings).run())


def wechat_pollers(engine: Engine, settings: Settings) -> WeChatPollers:
    """The pollers, leasing channels for DELIVERY_LEASE_SECONDS like every other work row, and
    renewing the leases at least four times per lease."""
    lease = leases.lease_length(settings).total_seconds()
    return WeChatPollers(engine, settings, scan_seconds=min(SCAN_SECONDS, lease / 4))
