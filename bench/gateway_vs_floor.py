"""The run both gateway benchmarks share: the gateway and then its floor (bench/floor) under the
same load, measured the same way, and the report (bench/report.py).

Each side is an HTTP server under granian (the same worker count) and one worker process, on
the same fresh database, delivering to the same fake peer (bench/provider_app.py), and gets
the same bodies from wrk: a warm-up, after which its worker catches up; the peak run (as fast
as answers come), measured until its worker has delivered everything the run had accepted;
then the half-rate run, paced at half the gateway's sustained delivered throughput (the same
rate for the floor; `--half-rate` sets one instead), and again until everything is delivered.
"""

import argparse
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bench.floor.jobs import JOBS
from bench.floor.store import create_table
from bench.harness import (
    MakeRequest,
    analyze,
    fresh_postgres,
    granian,
    python_process,
    run_load,
)
from bench.peer import Peer
from bench.report import Figures, accepted, print_report
from bench.resources import CpuTime, PeakMemory
from tests.processes import free_port

# The per-API-key and per-channel limits (200 and 100 a second per worker process) would cap
# the peak runs and answer 429 past them; raised far out of reach, they still count each request.
NO_LIMITS = {"API_KEY_RATE_LIMIT": "1000000/second", "WEBHOOK_RATE_LIMIT": "1000000/second"}

Bodies = Callable[[str], MakeRequest]
"""Run name ("warm", "peak", "half") -> the bodies of that run's requests (the same for both)."""


@dataclass(frozen=True)
class Side:
    """How to start one side: its granian target, its worker's `python` arguments, and the
    environment both get."""

    server: str
    worker: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Setting:
    """What both sides of a benchmark share: the database's name, the path posted to and the
    bodies, the fake peer, and how to start each side."""

    database: str
    path: str
    bodies: Bodies
    peer: Peer
    gateway: Side
    floor: Side


@dataclass(frozen=True)
class Load:
    """What every run of a benchmark shares: its setting (database, path, bodies, peer), the
    command line (seconds, connections, workers) and the warm-up's seconds."""

    setting: Setting
    args: argparse.Namespace
    warm_seconds: float


@contextmanager
def benchmark_setting(
    prepare: Callable[[str, str], tuple[str, Bodies]], floor: str
) -> Iterator[Setting]:
    """For the block: a fresh database, seeded by `prepare(database URL, peer URL)` (which says
    which path to POST to with which bodies), the fake peer running, the gateway's side and the
    side of the floor `floor` (a name in bench/floor/jobs.py, whose table this creates)."""
    peer_port = free_port()
    peer_url = f"http://127.0.0.1:{peer_port}"
    with (
        fresh_postgres() as database_url,
        granian("bench.provider_app:app", peer_port, 1, {}) as peer_process,
    ):
        path, bodies = prepare(database_url, peer_url)
        gateway_env = {"DATABASE_URL": database_url, "CLAWSCALE_RUN_WORKERS": "false", **NO_LIMITS}
        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        create_table(dsn, JOBS[floor].table)
        floor_env = {"FLOOR_DSN": dsn, "FLOOR_PEER_URL": peer_url}
        yield Setting(
            database=make_url(database_url).database or "",
            path=path,
            bodies=bodies,
            peer=Peer(peer_url, peer_process.pid),
            gateway=Side("bench.gateway_app:app", ["-m", "clawscale.workers"], gateway_env),
            floor=Side("bench.floor.server:app", ["-m", "bench.floor.worker", floor], floor_env),
        )


@contextmanager
def side_running(
    side: Side, setting: Setting, workers: int
) -> Iterator[tuple[str, subprocess.Popen, subprocess.Popen]]:
    """For the block: `side`'s server (`workers` processes) and its worker running; the URL to
    post to, the server's process and the worker's."""
    port = free_port()
    with (
        granian(side.server, port, workers, side.env) as server,
        python_process(side.worker, side.env) as worker,
    ):
        yield f"http://127.0.0.1:{port}{setting.path}", server, worker


def warm_up(url: str, setting: Setting, connections: int, seconds: float) -> None:
    """Post the warm-up's bodies to `url` for `seconds`, wait until the peer has them all, then
    start its count afresh."""
    warm = run_load(url, setting.bodies("warm"), connections, seconds)
    setting.peer.catch_up(accepted(warm))
    setting.peer.reset()


def measure(side: Side, load: Load, half_rate: float | None = None) -> Figures:
    """`side` through the warm-up, the peak run and the half-rate run (at `half_rate`, or half
    the peak run's sustained delivered throughput)."""
    args, setting = load.args, load.setting
    peer = setting.peer
    with (
        side_running(side, setting, args.workers) as (url, server, worker),
        PeakMemory(server=server.pid, worker=worker.pid) as memory,
    ):
        warm_up(url, setting, args.connections, load.warm_seconds)
        if args.analyze_drained:
            analyze(setting.database)
        with CpuTime(setting.database, server=server.pid, worker=worker.pid, peer=peer.pid) as cpu:
            peak = run_load(url, setting.bodies("peak"), args.connections, args.seconds)
            within = peer.stats().count
            catch_up = peer.catch_up(accepted(peak))
        delivered = peer.stats()
        peer.reset()
        rate = delivered.rate / 2 if half_rate is None else half_rate
        with CpuTime(setting.database, server=server.pid, worker=worker.pid) as half_cpu:
            half = run_load(url, setting.bodies("half"), args.connections, args.seconds, rate=rate)
            peer.catch_up(accepted(half))
        half_delivered = peer.stats()
        peer.reset()
    peer_seconds = cpu.seconds.pop("peer")
    return Figures(
        peak=peak,
        delivered_within_run=within,
        catch_up_seconds=catch_up,
        delivered=delivered,
        cpu_seconds=cpu.seconds,
        peer_cpu_seconds=peer_seconds,
        peak_rss_bytes=memory.peak_bytes,
        peak_rss_process=memory.peak_name,
        half=half,
        half_delivered=half_delivered,
        half_cpu_seconds=sum(half_cpu.seconds.values()),
    )


def run(
    description: str,
    title: str,
    prepare: Callable[[str, str], tuple[str, Bodies]],
    floor: str,
    cpu_target_ms: float,
    warm_seconds: float,
) -> None:
    """A gateway benchmark from the command line: a fresh database and the fake peer;
    `prepare(database URL, peer URL)` seeds the database and says which path to POST to with
    which bodies; the gateway, then the floor `floor` (a name in bench/floor/jobs.py), then the
    report, with `cpu_target_ms` the gateway's target of CPU per delivered message."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--analyze-drained",
        action="store_true",
        help="take the planner's statistics once the warm-up is delivered (a drained queue)",
    )
    parser.add_argument(
        "--half-rate",
        type=float,
        help="messages a second of both half-rate runs (default: half the gateway's sustained"
        " delivered throughput), to compare versions at one rate",
    )
    args = parser.parse_args()
    with benchmark_setting(prepare, floor) as setting:
        load = Load(setting, args, warm_seconds)
        gateway = measure(setting.gateway, load, half_rate=args.half_rate)
        half_rate = args.half_rate or gateway.delivered.rate / 2
        floor_figures = measure(setting.floor, load, half_rate=half_rate)
    print_report(
        f"{title}: gateway and floor ({args.workers} workers, {args.connections} connections,"
        f" {args.seconds:.0f} s runs)",
        gateway,
        floor_figures,
        cpu_target_ms,
    )
