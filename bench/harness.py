"""What every benchmark shares: a fresh PostgreSQL database, servers under granian, a load
generator on loopback, latency percentiles and the peak memory of a process tree."""

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from clawscale.migrations import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, migrated PostgreSQL database for one run, dropped afterwards."""
    name = f"clawscale_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def granian(
    target: str, port: int, workers: int, env: dict[str, str]
) -> Iterator[subprocess.Popen]:
    """`target` (module:attribute, an ASGI app) served by granian until the block ends."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health")
        yield process
    finally:
        process.terminate()
        process.wait(15)


@contextmanager
def python_process(module: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`python -m module` running until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(15)


def wait_for(url: str, seconds: float = 30) -> None:
    """Poll `url` until it answers at all."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class PeakMemory:
    """Samples the resident memory of a process and its children; keeps the peak."""

    def __init__(self, *pids: int) -> None:
        self.pids = pids
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _tree_rss(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                root = psutil.Process(pid)
                for process in [root, *root.children(recursive=True)]:
                    total += process.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._tree_rss())
            time.sleep(0.2)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


MakeRequest = Callable[[int], tuple[dict, dict]]


@dataclass
class LoadResult:
    """What a load run measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def _drive(
    url: str,
    make_request: MakeRequest,
    connections: int,
    seconds: float,
    rate: float | None,
) -> LoadResult:
    result = LoadResult(seconds=seconds)
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    interval = connections / rate if rate else 0.0

    async def worker(client: httpx.AsyncClient, index: int) -> None:
        # Paced workers start spread over one interval, so requests arrive evenly rather than
        # in bursts of `connections` at once.
        await asyncio.sleep(interval * index / connections)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            body, headers = make_request(next(counter))
            response = await client.post(url, json=body, headers=headers)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client, index) for index in range(connections)))
    return result


def run_load(
    url: str,
    make_request: MakeRequest,
    connections: int = 32,
    seconds: float = 10.0,
    rate: float | None = None,
) -> LoadResult:
    """POST bodies from `make_request(n)` with `connections` at once for `seconds` (optionally
    paced to about `rate` requests per second)."""
    return asyncio.run(_drive(url, make_request, connections, seconds, rate))


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    """A two-column table on stdout."""
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def floor_rate(database_url: str, args: argparse.Namespace, make: MakeRequest) -> float:
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE floor_event (id bigserial PRIMARY KEY, body jsonb)")
        )
    engine.dispose()
    port = free_port()
    with granian("bench.floor_app:app", port, args.workers, {"FLOOR_DSN": dsn}):
        run_load(f"http://127.0.0.1:{port}/ingest", make, args.connections, 2)
        result = run_load(f"http://127.0.0.1:{port}/ingest", make, args.connections, args.seconds)
    print_table(
        "Floor: bare Starlette + one INSERT",
        [
            ("requests/s", f"{result.rate:.0f}"),
            ("p50", milliseconds(result.percentile(0.5))),
            ("p99", milliseconds(result.percentile(0.99))),
        ],
    )
    return result.rate
