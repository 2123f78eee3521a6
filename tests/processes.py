"""Real OS processes of the gateway for tests: worker processes, API backends, and waiting on
conditions with a deadline."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition: Callable[[], object], seconds: float = 60, what: str = "") -> None:
    """Poll `condition` until it holds; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(
    arguments: list[str], env: dict[str, str], log: Path | None = None
) -> subprocess.Popen[bytes]:
    """`python arguments...` from the project folder with `env` added to this environment, in
    a process group of its own (see `stop`); its output goes to `log` (appended) or nowhere."""
    output = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [sys.executable, *arguments],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            output.close()


def worker_process(
    database_url: str, log: Path | None = None, **env: str
) -> subprocess.Popen[bytes]:
    """`python -m clawscale.workers` on `database_url`."""
    return spawn(["-m", "clawscale.workers"], {"DATABASE_URL": database_url, **env}, log)


def _granian(
    target: str, port: int, env: dict[str, str], log: Path | None, *, factory: bool
) -> subprocess.Popen[bytes]:
    arguments = ["-m", "granian", "--interface", "asgi", "--workers", "1"]
    arguments += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return spawn([*arguments, *(["--factory"] if factory else []), target], env, log)


def backend_process(
    port: int, env: dict[str, str], web_dir: Path, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """The production backend process, without Reflex's CLI around it.

    `reflex run --env prod --backend-only` serves the Reflex app object with granian, as an
    ASGI factory, with REFLEX_SKIP_COMPILE set; this is the same command minus the CLI's
    set-up (which would also check the frontend toolchain). The app puts the gateway API in
    front of Reflex's backend, uses REDIS_URL as Reflex's state manager when set, and runs the
    workers in-process only when CLAWSCALE_RUN_WORKERS is true. Reflex writes a small marker
    into its web folder on start-up; `web_dir` keeps that away from the project's `.web`.
    """
    reflex = {"REFLEX_SKIP_COMPILE": "true", "REFLEX_WEB_WORKDIR": str(web_dir)}
    return _granian("clawscale.clawscale:app", port, {**reflex, **env}, log, factory=True)


def api_process(port: int, env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """The gateway API alone under granian (`tests.scale.api_only`): the object the backend
    puts in front of Reflex, starting in a second where the Reflex app takes ten."""
    return _granian("tests.scale.api_only:app", port, env, log, factory=False)


def wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], seconds: float = 60, log: Path | None = None
) -> None:
    """Wait until `url/health` answers 200, failing early when `process` exits."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            output = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"{url} exited with {process.returncode} on start-up\n{output}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} did not become healthy"
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate `process` (kill it if it lingers), reap it, and kill whatever it forked (a
    granian worker outlives its parent otherwise)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def running(*processes: subprocess.Popen[bytes]) -> Iterator[None]:
    """Stop every process when the block ends, however it ends."""
    try:
        yield
    finally:
        for process in processes:
            stop(process)
