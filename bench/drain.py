"""The workers alone: what a worker and PostgreSQL spend to drain a backlog, the gateway's worker
beside its floor's (the same sides as bench/gateway_vs_floor.py).

    .venv/bin/python -m bench.drain outbound|inbound [--seconds 6]

For each side: its server and worker start and deliver a warm-up; then the worker is paused
(SIGSTOP) while wrk posts for `--seconds`, so the accepted messages wait as a backlog; then the
worker resumes and is timed until the fake peer has them all. The table gives, for each side,
the messages delivered, the drain's rate, and the CPU a delivered message of the worker and of
the database's PostgreSQL processes over the drain alone: the server's work and wrk's load are
out of it, so the figures move far less between runs than the whole benchmark's.
"""

import argparse
import os
import signal
import time
from dataclasses import dataclass

from bench import inbound, outbound
from bench.gateway_vs_floor import Setting, Side, benchmark_setting, side_running, warm_up
from bench.harness import print_table, run_load
from bench.report import accepted
from bench.resources import CpuTime

PATHS = {"outbound": outbound.prepare, "inbound": inbound.prepare}
WORKERS = 2
CONNECTIONS = 32
WARM_SECONDS = 2.0
SETTLE_SECONDS = 0.5
"""After the load, before the worker resumes: answers still in flight reach the database."""


@dataclass(frozen=True)
class Drained:
    """One side's drain: messages delivered, seconds until the last, CPU seconds by process."""

    delivered: int
    seconds: float
    worker_cpu: float
    postgres_cpu: float
    sent_twice: int

    def per_message(self, cpu_seconds: float) -> float:
        """CPU milliseconds a delivered message."""
        return cpu_seconds * 1000 / self.delivered if self.delivered else 0.0


def drain(side: Side, setting: Setting, seconds: float) -> Drained:
    """`side` through a warm-up, a backlog built while its worker is paused, and the drain."""
    peer = setting.peer
    with side_running(side, setting, WORKERS) as (url, _server, worker):
        warm_up(url, setting, CONNECTIONS, WARM_SECONDS)
        os.kill(worker.pid, signal.SIGSTOP)
        try:
            backlog = accepted(run_load(url, setting.bodies("peak"), CONNECTIONS, seconds))
            time.sleep(SETTLE_SECONDS)
            with CpuTime(setting.database, worker=worker.pid) as cpu:
                os.kill(worker.pid, signal.SIGCONT)
                took = peer.catch_up(backlog)
        finally:
            os.kill(worker.pid, signal.SIGCONT)
        stats = peer.stats()
        peer.reset()
    return Drained(
        stats.count, took, cpu.seconds["worker"], cpu.seconds["PostgreSQL"], stats.sent_twice
    )


def rows(name: str, drained: Drained) -> list[tuple[str, str]]:
    """The report's lines for one side."""
    worker = drained.per_message(drained.worker_cpu)
    postgres = drained.per_message(drained.postgres_cpu)
    return [
        (f"{name}: delivered", f"{drained.delivered} in {drained.seconds:.1f} s"),
        (f"{name}: drained a second", f"{drained.delivered / drained.seconds:,.0f}/s"),
        (f"{name}: CPU a delivery, worker", f"{worker:.3f} ms"),
        (f"{name}: CPU a delivery, PostgreSQL", f"{postgres:.3f} ms"),
        (f"{name}: CPU a delivery, both", f"{worker + postgres:.3f} ms"),
        (f"{name}: sent twice", str(drained.sent_twice)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", choices=sorted(PATHS))
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    with benchmark_setting(PATHS[args.path], args.path) as setting:
        gateway = drain(setting.gateway, setting, args.seconds)
        floor = drain(setting.floor, setting, args.seconds)
    print_table(
        f"Drain ({args.path}): the worker alone, a backlog of {args.seconds:.0f} s of load",
        rows("gateway", gateway) + rows("floor", floor),
    )


if __name__ == "__main__":
    main()
