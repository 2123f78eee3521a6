"""WeChat pollers at scale: 1,000 connected accounts long-polling a fake iLink in one process.

    .venv/bin/python -m bench.wechat_pollers [--accounts 1000] [--seconds 40]

Prints how many accounts were being polled, long polls served, and the peak memory of the
polling process (target: under 300 MB).
"""

import argparse
import asyncio
import contextlib
import os

import httpx
import psutil

from bench.harness import fresh_postgres, granian, print_table
from clawscale.db import create_db_engine, session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.models import ChannelScope, ChannelStatus, Customer
from clawscale.settings import Settings
from clawscale.workers.wechat_poller import WeChatPollers
from tests.processes import free_port


def seed(database_url: str, provider_url: str, accounts: int) -> None:
    settings = Settings(_env_file=None)
    engine = create_db_engine(database_url)
    with session_scope(engine) as session:
        for index in range(accounts):
            customer = Customer(display_name=f"customer {index}")
            session.add(customer)
            session.flush()
            create_channel(
                session,
                settings,
                "wechat_personal",
                ChannelScope.PERSONAL,
                owner_customer_id=customer.id,
                status=ChannelStatus.CONNECTED,
                config={"baseurl": provider_url, "ilink_bot_id": f"bot{index}"},
                secrets={"bot_token": f"token-{index}"},
            )
    engine.dispose()


async def poll_for(database_url: str, seconds: float, peak: dict[str, int]) -> int:
    engine = create_db_engine(database_url)
    pollers = WeChatPollers(engine, Settings(_env_file=None, DATABASE_URL=database_url))
    task = asyncio.create_task(pollers.run())
    process = psutil.Process(os.getpid())
    most = 0
    for _ in range(int(seconds * 2)):
        await asyncio.sleep(0.5)
        peak["rss"] = max(peak["rss"], process.memory_info().rss)
        most = max(most, len(pollers.tasks))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    engine.dispose()
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    port = free_port()
    provider_url = f"http://127.0.0.1:{port}"
    with fresh_postgres() as database_url, granian("bench.provider_app:app", port, 1, {}):
        seed(database_url, provider_url, args.accounts)
        peak = {"rss": 0}
        polled = asyncio.run(poll_for(database_url, args.seconds, peak))
        long_polls = httpx.get(f"{provider_url}/stats").json()["long_polls"]
    print_table(
        f"WeChat pollers ({args.accounts} connected accounts, one process)",
        [
            ("accounts polled at once", str(polled)),
            ("long polls served", str(long_polls)),
            ("peak memory (polling process)", f"{peak['rss'] / 2**20:.0f} MiB"),
        ],
    )


if __name__ == "__main__":
    main()
