"""What every benchmark shares: a fresh PostgreSQL database, servers under granian and other
processes, load on loopback from wrk (installed from Debian's package when missing;
bench/load.lua sends each pre-generated body once and reports latency percentiles and
statuses), and printing a table."""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from clawscale.migrations import upgrade_database
from tests.processes import running, spawn

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


def analyze(database: str) -> None:
    """Take `database`'s planner statistics now (as autovacuum does after a quiet hour)."""
    engine = sa.create_engine(
        make_url(SERVER_URL).set(database=database), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


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
def python_process(arguments: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`python arguments...` running until the block ends."""
    with running(process := spawn(arguments, env)):
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


MakeRequest = Callable[[int], tuple[dict, dict]]

LOAD_SCRIPT = Path(__file__).resolve().parent / "load.lua"
WRK_THREADS = 2
# Bodies written per second of a run that is not paced: well above what either floor accepts here.
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
