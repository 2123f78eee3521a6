"""Inbound benchmark: authenticated Evolution webhooks for a shared channel on PostgreSQL,
forwarded by the inbound worker to a fake runtime, beside the floor under the same load (wrk; see
bench/harness.py).

    .venv/bin/python -m bench.inbound [--seconds 10] [--connections 32] [--workers 2]

Prints requests/s, statuses, p50/p99 latency, end-to-end latency (webhook to runtime), peak
memory and p99 at half the gateway's peak rate; then the floor, and the gateway's throughput as
a fraction of it.
"""

from bench.harness import SEND_TIME, Bodies, MakeRequest, milliseconds, run_benchmark
from clawscale.channels.webhooks import WEBHOOK_TOKEN
from clawscale.db import create_db_engine, session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.domain.runtime.agents import create_agent
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
            f"sent-at:{SEND_TIME} {run}",
            number=f"1555{number % SENDERS:07d}",
            message_id=f"{run}-{number}",
        )
        return body, {}

    return make


def prepare(database_url: str, provider_url: str) -> tuple[str, Bodies]:
    channel_id = seed(database_url, provider_url)
    return f"/api/webhooks/whatsapp_evolution/{channel_id}/{TOKEN}", webhook_body


def forward_rows(stats: dict) -> list[tuple[str, str]]:
    return [
        ("forwarded to the runtime", str(stats["count"])),
        ("end-to-end to runtime, median", milliseconds(stats["median"])),
        ("end-to-end to runtime, p99", milliseconds(stats["p99"])),
    ]


def main() -> None:
    run_benchmark(
        __doc__,
        "Gateway webhooks",
        prepare,
        forward_rows,
        target=0.5,
        warm_seconds=3,
    )


if __name__ == "__main__":
    main()
