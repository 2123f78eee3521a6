"""Inbound benchmark: authenticated Evolution webhooks for a shared channel on PostgreSQL,
forwarded by the inbound worker to a fake runtime, beside the floor under the same load.

    .venv/bin/python -m bench.inbound [--seconds 10] [--connections 32] [--workers 2]

Prints requests/s, p50/p99 latency, end-to-end latency (webhook to runtime), peak memory and the
gateway's throughput as a fraction of the floor; then p99 at half the gateway's peak rate.
"""

import argparse
import time

import httpx

from bench.harness import (
    MakeRequest,
    PeakMemory,
    floor_rate,
    free_port,
    fresh_postgres,
    granian,
    milliseconds,
    print_table,
    python_process,
    run_load,
)
from clawscale.channels.webhooks import WEBHOOK_TOKEN
from clawscale.db import create_db_engine, session_scope
from clawscale.domain.agents import create_agent
from clawscale.domain.channel_store import create_channel
from clawscale.models import ChannelScope, ChannelStatus
from clawscale.settings import Settings
from tests.fakes.evolution import upsert_event

SENDERS = 200
TOKEN = "bench-webhook-token"


def seed(database_url: str, provider_url: str) -> str:
    """A default agent (the fake runtime) and a connected Evolution channel; its id."""
    settings = Settings(_env_file=None)
    engine = create_db_engine(database_url)
    with session_scope(engine) as session:
        create_agent(
            session, settings, "coke", "Coke", f"{provider_url}/agent", "t", is_default=True
        )
        channel = create_channel(
            session,
            settings,
            "whatsapp_evolution",
            ChannelScope.SHARED,
            status=ChannelStatus.CONNECTED,
            config={"instance": "main", "base_url": provider_url},
            secrets={"api_key": "evo-key", WEBHOOK_TOKEN: TOKEN},
        )
        channel_id = channel.id
    engine.dispose()
    return channel_id


def webhook_body(run: str) -> MakeRequest:
    def make(number: int) -> tuple[dict, dict]:
        body = upsert_event(
            f"sent-at:{time.time()} {run}",
            number=f"1555{number % SENDERS:07d}",
            message_id=f"{run}-{number}",
        )
        return body, {}

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    provider_port = free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    with fresh_postgres() as database_url, granian("bench.provider_app:app", provider_port, 1, {}):
        channel_id = seed(database_url, provider_url)
        env = {"DATABASE_URL": database_url, "CLAWSCALE_RUN_WORKERS": "false"}
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/webhooks/whatsapp_evolution/{channel_id}/{TOKEN}"
        with (
            granian("bench.gateway_app:app", port, args.workers, env) as server,
            python_process("clawscale.workers", env),
        ):
            run_load(url, webhook_body("warm"), args.connections, 3)
            time.sleep(2)
            httpx.post(f"{provider_url}/reset")
            with PeakMemory(server.pid) as memory:
                result = run_load(url, webhook_body("peak"), args.connections, args.seconds)
            time.sleep(3)
            forwards = httpx.get(f"{provider_url}/stats").json()
            half = run_load(
                url, webhook_body("half"), args.connections, args.seconds, rate=result.rate / 2
            )
        print_table(
            f"Gateway webhooks ({args.workers} workers, {args.connections} connections)",
            [
                ("requests/s", f"{result.rate:.0f}"),
                ("statuses", str(result.statuses)),
                ("p50", milliseconds(result.percentile(0.5))),
                ("p99", milliseconds(result.percentile(0.99))),
                ("forwarded to the runtime", str(forwards["count"])),
                ("end-to-end to runtime, median", milliseconds(forwards["median"])),
                ("end-to-end to runtime, p99", milliseconds(forwards["p99"])),
                ("peak memory (server)", f"{memory.peak_bytes / 2**20:.0f} MiB"),
                (f"p99 at half rate ({half.rate:.0f}/s)", milliseconds(half.percentile(0.99))),
            ],
        )
        floor = floor_rate(database_url, args, webhook_body("floor"))
        print(f"\nGateway throughput = {result.rate / floor:.0%} of the floor (target >= 50%)")


if __name__ == "__main__":
    main()
