"""What every benchmark shares: a fresh PostgreSQL database, servers under granian, load on
loopback from wrk (installed from Debian's package when missing; bench/load.lua sends each
pre-generated body once and reports latency percentiles and statuses), the peak memory of a
process tree, and the run the gateway benchmarks have in common: warm-up, peak, half rate and the
floor under the same load."""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
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
from tests.processes import free_port, running, spawn

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


@contextmanager
def granian(
    target: str, port: int, workers: int, env: dict[str, str]
) -> Iterator[subprocess.Popen]:
    """`target` (module:attribute, an ASGI app) served by granian until the block ends."""
    arguments = ["-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    arguments += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    with running(process := spawn([*arguments, target], env)):
        wait_for(f"http://127.0.0.1:{port}/health")
        yield process


@contextmanager
def python_process(module: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`python -m module` running until the block ends."""
    with running(process := spawn(["-m", module], env)):
        yield process


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


def _tree_cpu_seconds(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _postgres_cpu_by_pid() -> dict[int, float]:
    seconds = {}
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            seconds[process.pid] = times.user + times.system
    return seconds


class CpuTime:
    """CPU seconds spent during a block by named process trees, and by the PostgreSQL server
    processes (theirs include any other database work on the machine, and miss what a
    connection that closed within the block spent)."""

    def __init__(self, **pids: int) -> None:
        self.pids = pids
        self.seconds: dict[str, float] = {}

    def _trees(self) -> dict[str, float]:
        return {name: _tree_cpu_seconds(pid) for name, pid in self.pids.items()}

    def __enter__(self) -> "CpuTime":
        self._start = self._trees()
        self._postgres_start = _postgres_cpu_by_pid()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._trees()
        self.seconds = {name: end[name] - self._start[name] for name in end}
        postgres = _postgres_cpu_by_pid()
        self.seconds["PostgreSQL"] = sum(
            spent - self._postgres_start.get(pid, 0.0) for pid, spent in postgres.items()
        )

    def total_ms_per(self, items: int) -> float:
        """CPU milliseconds per item, all measured processes together."""
        return sum(self.seconds.values()) * 1000 / max(items, 1)

    def per_item_rows(self, items: int, what: str) -> list[tuple[str, str]]:
        """Rows of CPU milliseconds per item for each process tree."""
        return [
            (f"CPU per {what}: {name}", f"{seconds * 1000 / max(items, 1):.2f} ms")
            for name, seconds in self.seconds.items()
        ]


MakeRequest = Callable[[int], tuple[dict, dict]]

LOAD_SCRIPT = Path(__file__).resolve().parent / "load.lua"
WRK_THREADS = 2
# Bodies written per second of a run that is not paced: about twice what the floor serves here.
# Should they run out, load.lua sends nothing rather than repeat one, and run_load raises.
MAX_RATE = 10000
# Put this in a body where the request's send time belongs: load.lua replaces it with the
# wall-clock time (Unix seconds) at which it builds the request.
SEND_TIME = "@@bench-send-time@@"


@dataclass
class LoadResult:
    """What a load run measured, as wrk reports it: latency percentiles in seconds (keyed by
    fraction) and HTTP statuses over the answered requests, socket errors, the run's length."""

    seconds: float
    requests: int
    latencies: dict[float, float]
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if fraction not in self.latencies:
            raise ValueError(f"wrk reported percentiles {sorted(self.latencies)}, not {fraction}")
        return self.latencies[fraction]


def _apt_get(*arguments: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", *arguments], env=env, stdout=subprocess.DEVNULL, check=True)


def ensure_wrk() -> str:
    """The path of wrk, installed from Debian's package first if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: installing Debian's package (apt-get install -y wrk)", flush=True)
    try:
        _apt_get("install", "-y", "wrk")
    except subprocess.CalledProcessError:
        _apt_get("update")
        _apt_get("install", "-y", "wrk")
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk, but it is not on PATH")
    return found


def write_bodies(path: Path, make_request: MakeRequest, count: int) -> dict:
    """`count` bodies from `make_request`, one JSON document a line; their (common) headers."""
    headers: dict | None = None
    with path.open("w") as out:
        for number in range(count):
            body, these = make_request(number)
            if headers is None:
                headers = these
            elif these != headers:
                raise ValueError(f"request {number} has other headers than request 0: {these}")
            out.write(json.dumps(body, separators=(",", ":")) + "\n")
    return headers or {}


def run_load(
    url: str,
    make_request: MakeRequest,
    connections: int = 32,
    seconds: float = 10.0,
    rate: float | None = None,
) -> LoadResult:
    """POST the bodies of `make_request(0)`, `make_request(1)`, ... (each once) with wrk, holding
    `connections` open for `seconds` (whole seconds: wrk's unit); each connection sends its next
    request when the last one is answered or, given `rate`, when its thread's next send slot comes
    (slots spaced evenly to make about `rate` requests per second in all; see load.lua)."""
    wrk = ensure_wrk()
    whole_seconds = max(1, round(seconds))
    count = whole_seconds * MAX_RATE
    if rate:
        count = min(count, int(rate * whole_seconds * 1.2) + 2 * connections)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        bodies = Path(folder) / "bodies.jsonl"
        headers = {"Content-Type": "application/json", **write_bodies(bodies, make_request, count)}
        command = [
            wrk,
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{whole_seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(LOAD_SCRIPT),
            *(option for name, value in headers.items() for option in ("-H", f"{name}: {value}")),
            url,
        ]
        env = {
            **os.environ,
            "BENCH_BODIES": str(bodies),
            "BENCH_THREADS": str(WRK_THREADS),
            "BENCH_RATE": str(rate or 0),
            "BENCH_SEND_TIME": SEND_TIME,
        }
        finished = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [line for line in finished.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if finished.returncode or not lines:
        raise RuntimeError(
            f"wrk failed ({finished.returncode}): {finished.stderr}{finished.stdout}"
        )
    report = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    if report["exhausted"]:
        raise RuntimeError(
            f"wrk ran out of the {count} pre-generated bodies after {report['requests']} answers;"
            " raise MAX_RATE in bench/harness.py"
        )
    return LoadResult(
        seconds=report["duration_us"] / 1e6,
        requests=report["requests"],
        latencies={float(p): us / 1e6 for p, us in report["latency_us"].items()},
        statuses={int(status): n for status, n in report["statuses"].items()},
        errors={name: n for name, n in report["errors"].items() if n},
    )


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


@dataclass
class FloorRun:
    """The floor's requests/s and CPU milliseconds per request (server and PostgreSQL)."""

    rate: float
    cpu_ms: float


def run_floor(database_url: str, args: argparse.Namespace, make: MakeRequest) -> FloorRun:
    """The floor under the same load as the gateway (printed as a table too)."""
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE floor_event (id bigserial PRIMARY KEY, body jsonb)")
        )
    engine.dispose()
    port = free_port()
    with granian("bench.floor_app:app", port, args.workers, {"FLOOR_DSN": dsn}) as server:
        run_load(f"http://127.0.0.1:{port}/ingest", make, args.connections, 2)
        with CpuTime(floor=server.pid) as cpu:
            result = run_load(
                f"http://127.0.0.1:{port}/ingest", make, args.connections, args.seconds
            )
    requests = sum(result.statuses.values())
    print_table(
        "Floor: bare Starlette + one INSERT",
        [*load_rows(result), *cpu.per_item_rows(requests, "request")],
    )
    return FloorRun(result.rate, cpu.total_ms_per(requests))


def load_rows(result: LoadResult) -> list[tuple[str, str]]:
    """Table rows for a load run: throughput, statuses, socket errors if any, p50 and p99."""
    rows = [("requests/s", f"{result.rate:.0f}"), ("statuses", str(result.statuses))]
    if result.errors:
        rows.append(("socket errors", str(result.errors)))
    rows += [
        ("p50", milliseconds(result.percentile(0.5))),
        ("p99", milliseconds(result.percentile(0.99))),
    ]
    return rows


# The per-API-key and per-channel limits (200 and 100 a second per worker process) would cap
# the peak runs and answer 429 past them; raised far out of reach, they still count each request.
NO_LIMITS = {"API_KEY_RATE_LIMIT": "1000000/second", "WEBHOOK_RATE_LIMIT": "1000000/second"}

# Run name ("warm", "peak", "half", "floor") -> the bodies of that run's requests.
Bodies = Callable[[str], MakeRequest]


DRAIN_LIMIT_SECONDS = 180.0


def drain(provider_url: str, expected: int) -> float:
    """Wait until the fake provider has seen `expected` stamped messages (the worker has caught
    up with what was accepted) or DRAIN_LIMIT_SECONDS pass; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_LIMIT_SECONDS:
        if httpx.get(f"{provider_url}/stats").json()["count"] >= expected:
            break
        time.sleep(0.25)
    return time.monotonic() - started


def run_benchmark(
    description: str,
    title: str,
    prepare: Callable[[str, str], tuple[str, Bodies]],
    provider_rows: Callable[[dict], list[tuple[str, str]]],
    target: float,
    warm_seconds: float,
) -> None:
    """A gateway benchmark, from the command line: a fresh database and the fake provider;
    `prepare(database URL, provider URL)` seeds the database and says which gateway path to POST
    to with which bodies. Then the gateway (and its worker process) under load: a warm-up, the
    peak run (throughput, latency, CPU per request, peak memory; `provider_rows` turns the fake
    provider's `/stats` into rows), p99 at half the peak rate, and the floor under the peak
    run's load. Before the peak and the half-rate runs the worker drains what the previous run
    left, so each run starts from an empty queue; the table says how long that took."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    provider_port = free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    with fresh_postgres() as database_url, granian("bench.provider_app:app", provider_port, 1, {}):
        path, bodies = prepare(database_url, provider_url)
        env = {"DATABASE_URL": database_url, "CLAWSCALE_RUN_WORKERS": "false", **NO_LIMITS}
        port = free_port()
        url = f"http://127.0.0.1:{port}{path}"
        with (
            granian("bench.gateway_app:app", port, args.workers, env) as server,
            python_process("clawscale.workers", env) as worker,
        ):
            warm = run_load(url, bodies("warm"), args.connections, warm_seconds)
            drain(provider_url, warm.statuses.get(200, 0))
            httpx.post(f"{provider_url}/reset")
            with (
                PeakMemory(server.pid) as memory,
                CpuTime(gateway=server.pid, worker=worker.pid) as cpu,
            ):
                peak = run_load(url, bodies("peak"), args.connections, args.seconds)
                during = httpx.get(f"{provider_url}/stats").json()["count"]
            accepted = peak.statuses.get(200, 0)
            drained = drain(provider_url, accepted)
            stats = httpx.get(f"{provider_url}/stats").json()
            httpx.post(f"{provider_url}/reset")
            half = run_load(url, bodies("half"), args.connections, args.seconds, rate=peak.rate / 2)
            half_done = httpx.get(f"{provider_url}/stats").json()["count"]
        print_table(
            f"{title} ({args.workers} workers, {args.connections} connections)",
            [
                *load_rows(peak),
                ("done by the worker within the run", f"{during} of {accepted}"),
                ("worker caught up after", f"{drained:.1f} s"),
                *provider_rows(stats),
                *cpu.per_item_rows(sum(peak.statuses.values()), "request"),
                ("peak memory (server)", f"{memory.peak_bytes / 2**20:.0f} MiB"),
                (f"p99 at half rate ({half.rate:.0f}/s)", milliseconds(half.percentile(0.99))),
                (
                    "half rate: done by the worker within the run",
                    f"{half_done} of {half.statuses.get(200, 0)}",
                ),
            ],
        )
        floor = run_floor(database_url, args, bodies("floor"))
        gateway_cpu_ms = cpu.total_ms_per(sum(peak.statuses.values()))
        print(
            f"\nGateway throughput = {peak.rate / floor.rate:.0%} of the floor"
            f" (target >= {target:.0%})\nCPU per request, every process measured: gateway"
            f" {gateway_cpu_ms:.2f} ms, floor {floor.cpu_ms:.2f} ms"
            f" (the floor's is {floor.cpu_ms / gateway_cpu_ms:.0%} of the gateway's)"
        )
