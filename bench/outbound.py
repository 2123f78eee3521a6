"""Outbound benchmark: the runtime's replies posted to `/api/outbound` on PostgreSQL and sent
to a fake WhatsApp provider (Evolution's `sendText`), the gateway beside its floor under the
same load (see bench/gateway_vs_floor.py).

    .venv/bin/python -m bench.outbound [--seconds 10] [--connections 32] [--workers 2]

Prints the report of bench/report.py: sustained delivered throughput, CPU per delivered message
(target: 1.5 ms), peak memory, and accept and end-to-end latency at half rate.
"""

from functools import partial

from bench.gateway_vs_floor import Bodies, run
from bench.harness import SEND_TIME, MakeRequest
from clawscale.db import create_db_engine, session_scope
from tests.factories import evolution_channel, routed_conversation

KEY = {"Authorization": "Bearer dev-outbound-api-key"}
CONVERSATIONS = 200


def seed(database_url: str, provider_url: str) -> list[tuple[str, str]]:
    """Channels and routed conversations to post replies to: (customer id, key) pairs."""
    engine = create_db_engine(database_url)
    with session_scope(engine) as session:
        channel = evolution_channel(session, provider_url)
        pairs = []
        for index in range(CONVERSATIONS):
            routed = routed_conversation(session, channel, external_id=f"{index}", key=f"k{index}")
            pairs.append((routed.customer.id, routed.key))
    engine.dispose()
    return pairs


def outbound_body(pairs: list[tuple[str, str]], run: str) -> MakeRequest:
    def make(number: int) -> tuple[dict, dict]:
        customer_id, key = pairs[number % len(pairs)]
        body = {
            "output_id": f"{run}-{number}",
            "customer_id": customer_id,
            "business_conversation_key": key,
            "message_type": "text",
            "delivery_mode": "push",
            "expect_output_timestamp": "2026-11-24T10:00:00Z",
            "idempotency_key": f"{run}-{number}",
            "trace_id": f"trace-{number}",
            "text": f"sent-at:{SEND_TIME} {run}-{number}",
        }
        return body, KEY

    return make


def prepare(database_url: str, provider_url: str) -> tuple[str, Bodies]:
    return "/api/outbound", partial(outbound_body, seed(database_url, provider_url))


def main() -> None:
    run(__doc__, "Outbound", prepare, "outbound", cpu_target_ms=1.5, warm_seconds=2)


if __name__ == "__main__":
    main()
