"""Inbound benchmark: authenticated Evolution webhooks for a shared channel on PostgreSQL,
forwarded by the inbound worker to a fake runtime, the gateway beside its floor under the same
load (see bench/gateway_vs_floor.py).

    .venv/bin/python -m bench.inbound [--seconds 10] [--connections 32] [--workers 2]

Prints the report of bench/report.py: sustained delivered throughput, CPU per delivered message
(target: 2.0 ms), peak memory, and accept and end-to-end latency (webhook to runtime) at half
rate.
"""

from bench.gateway_vs_floor import Bodies, run
from bench.harness import SEND_TIME, MakeRequest
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
            f"sent-at:{SEND_TIME} {run}-{number}",
            number=f"1555{number % SENDERS:07d}",
            message_id=f"{run}-{number}",
        )
        return body, {}

    return make


def prepare(database_url: str, provider_url: str) -> tuple[str, Bodies]:
    channel_id = seed(database_url, provider_url)
    return f"/api/webhooks/whatsapp_evolution/{channel_id}/{TOKEN}", webhook_body


def main() -> None:
    run(__doc__, "Inbound", prepare, "inbound", cpu_target_ms=2.0, warm_seconds=3)


if __name__ == "__main__":
    main()
