"""Outbound benchmark: the runtime's replies posted to `/api/outbound` on PostgreSQL, sent to a
fake WhatsApp provider, beside the floor under the same load.

    .venv/bin/python -m bench.outbound [--seconds 10] [--connections 32] [--workers 2]

Prints requests/s, p50/p99 latency, end-to-end send latency, peak memory, and the gateway's
throughput as a fraction of the floor; then p99 at half the gateway's peak rate.
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
            "text": f"sent-at:{time.time()}",
        }
        return body, KEY

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
        pairs = seed(database_url, provider_url)
        env = {"DATABASE_URL": database_url, "CLAWSCALE_RUN_WORKERS": "false"}
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/outbound"
        with (
            granian("bench.gateway_app:app", port, args.workers, env) as server,
            python_process("clawscale.workers", env),
        ):
            run_load(url, outbound_body(pairs, "warm"), args.connections, 2)
            httpx.post(f"{provider_url}/reset")
            with PeakMemory(server.pid) as memory:
                result = run_load(url, outbound_body(pairs, "peak"), args.connections, args.seconds)
            time.sleep(1)
            sends = httpx.get(f"{provider_url}/stats").json()
            half = run_load(
                url,
                outbound_body(pairs, "half"),
                args.connections,
                args.seconds,
                rate=result.rate / 2,
            )
        print_table(
            f"Gateway /api/outbound ({args.workers} workers, {args.connections} connections)",
            [
                ("requests/s", f"{result.rate:.0f}"),
                ("statuses", str(result.statuses)),
                ("p50", milliseconds(result.percentile(0.5))),
                ("p99", milliseconds(result.percentile(0.99))),
                ("end-to-end send, median", milliseconds(sends["median"])),
                ("end-to-end send, p99", milliseconds(sends["p99"])),
                ("peak memory (server)", f"{memory.peak_bytes / 2**20:.0f} MiB"),
                (f"p99 at half rate ({half.rate:.0f}/s)", milliseconds(half.percentile(0.99))),
            ],
        )
        floor = floor_rate(database_url, args, outbound_body(pairs, "floor"))
        print(f"\nGateway throughput = {result.rate / floor:.0%} of the floor (target >= 60%)")


if __name__ == "__main__":
    main()
