"""`scripts/run` in production mode, as an operator runs it: settings from an env file named by
CLAWSCALE_ENV_FILE (nothing in the shell), refusals before any migration, one line each, and a
full start that serves on the env file's ports, exports the site with the API port it serves,
warns that mail is off, and stops every process it started on SIGTERM. A second start with
nothing changed serves the same export.

Starting for real exports the frontend (slow), so the tests share one export folder
(REFLEX_WEB_WORKDIR) and one started gateway; `test_sigterm_stops_every_process_and_frees_the_ports`
stops it, and the tests after it start again.
"""

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from clawscale.settings import SECRETS_WITH_DEV_DEFAULTS, Settings
from tests.processes import PROJECT_ROOT, free_port, wait_until

SCRIPT = PROJECT_ROOT / "scripts" / "run"
START_SECONDS = 600
STOP_SECONDS = 60
REAL_SECRETS = {name: f"real-{name.lower()}-0123456789" for name in SECRETS_WITH_DEV_DEFAULTS}


def clean_environment(**values: str) -> dict[str, str]:
    """This environment without any of the gateway's settings, plus `values`."""
    names = {*Settings.model_fields, "CLAWSCALE_ENV_FILE", "REFLEX_WEB_WORKDIR"}
    env = {name: value for name, value in os.environ.items() if name not in names}
    return {**env, "PYTHONUNBUFFERED": "1", **values}


def write_env_file(folder: Path, **values: str | int) -> Path:
    path = folder / "gateway.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def start(env_file: Path, web_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            ["bash", str(SCRIPT)],
            cwd=PROJECT_ROOT,
            env=clean_environment(
                CLAWSCALE_ENV_FILE=str(env_file), REFLEX_WEB_WORKDIR=str(web_dir)
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def run_to_the_end(env_file: Path, web_dir: Path, log: Path) -> tuple[int, str]:
    process = start(env_file, web_dir, log)
    return process.wait(START_SECONDS), log.read_text(errors="replace")


def descendants(root: int) -> set[int]:
    """Every process below `root` now (by parent, whatever their session)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(STOP_SECONDS)


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export folder every start of this module shares."""
    return tmp_path_factory.mktemp("web")


def refused(tmp_path: Path, web_dir: Path, **values: str | int) -> tuple[int, str]:
    database = tmp_path / "gateway.db"
    env_file = write_env_file(
        tmp_path, CLAWSCALE_ENV="production", DATABASE_URL=f"sqlite:///{database}", **values
    )
    status, output = run_to_the_end(env_file, web_dir, tmp_path / "run.log")
    assert not database.exists(), "the database was touched before the refusal"
    assert "applying database migrations" not in output
    assert "Traceback" not in output
    return status, output


def test_missing_secrets_are_refused_one_line_each_before_migrations(tmp_path, web_dir):
    status, output = refused(tmp_path, web_dir, ADMIN_JWT_SECRET="")
    assert status != 0
    lines = output.splitlines()
    for name in SECRETS_WITH_DEV_DEFAULTS:
        assert len([line for line in lines if f"refusing to start: {name} " in line]) == 1, name
    assert "refusing to start: ADMIN_JWT_SECRET is empty" in output


def test_resend_without_a_key_is_refused_naming_both_ways_out(tmp_path, web_dir):
    status, output = refused(tmp_path, web_dir, **REAL_SECRETS)
    assert status != 0
    (line,) = [line for line in output.splitlines() if "refusing to start" in line]
    assert "RESEND_API_KEY" in line
    assert "MAIL_TRANSPORT=none" in line


def test_a_local_public_url_on_another_port_than_the_api_is_refused(tmp_path, web_dir):
    status, output = refused(
        tmp_path,
        web_dir,
        **REAL_SECRETS,
        MAIL_TRANSPORT="none",
        API_PORT=free_port(),
        CLAWSCALE_PUBLIC_API_URL="http://localhost:4041",
    )
    assert status != 0
    (line,) = [line for line in output.splitlines() if "refusing to start" in line]
    assert "CLAWSCALE_PUBLIC_API_URL" in line
    assert "API_PORT" in line


@dataclass
class Started:
    """A production gateway started by scripts/run."""

    process: subprocess.Popen[bytes]
    env_file: Path
    log: Path
    web_port: int
    api_port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Iterator[Started]:
    """scripts/run in production with every setting in an env file: free ports, no public URLs
    (they follow the ports), mail off, SQLite; serving once both ports answer."""
    folder = tmp_path_factory.mktemp("production")
    web_port, api_port = free_port(), free_port()
    env_file = write_env_file(
        folder,
        CLAWSCALE_ENV="production",
        DATABASE_URL=f"sqlite:///{folder / 'gateway.db'}",
        MAIL_TRANSPORT="none",
        WEB_PORT=web_port,
        API_PORT=api_port,
        **REAL_SECRETS,
    )
    log = folder / "run.log"
    running = Started(start(env_file, web_dir, log), env_file, log, web_port, api_port)
    try:
        wait_until(
            lambda: (
                running.process.poll() is not None
                or (
                    answers(f"http://127.0.0.1:{running.web_port}/")
                    and answers(f"http://127.0.0.1:{running.api_port}/health")
                )
            ),
            START_SECONDS,
            "the production start",
        )
        assert running.process.poll() is None, running.output()[-3000:]
        yield running
    finally:
        stop(running.process)


def test_the_env_file_alone_sets_the_mode_and_the_ports(started):
    assert answers(f"http://127.0.0.1:{started.api_port}/health")
    assert answers(f"http://127.0.0.1:{started.web_port}/")
    assert f"starting (production): web http://localhost:{started.web_port}" in started.output()


def test_the_exported_site_talks_to_the_api_port_served(started, web_dir):
    scripts = "".join(path.read_text() for path in (web_dir / "build" / "client").rglob("*.js"))
    assert f"http://localhost:{started.api_port}" in scripts
    assert "localhost:4041" not in scripts


def test_mail_off_is_said_at_start(started):
    assert "MAIL_TRANSPORT=none: no mail will be sent" in started.output()


def test_sigterm_stops_every_process_and_frees_the_ports(started):
    children = descendants(started.process.pid)
    assert len(children) >= 4, "web, workers, backend and the readiness helper"
    started.process.send_signal(signal.SIGTERM)
    started.process.wait(STOP_SECONDS)
    assert [pid for pid in children if alive(pid)] == []
    assert port_is_free(started.web_port)
    assert port_is_free(started.api_port)
    assert "workers stopped" in started.output()


def test_a_second_start_with_nothing_changed_does_not_export_again(started, web_dir):
    assert started.process.poll() is not None, "runs after the first start stopped"
    log = started.log.with_name("second-run.log")
    again = start(started.env_file, web_dir, log)
    try:
        wait_until(
            lambda: again.poll() is not None or answers(f"http://127.0.0.1:{started.web_port}/"),
            START_SECONDS,
            "the second start",
        )
    finally:
        stop(again)
    output = log.read_text(errors="replace")
    assert "the frontend export is up to date: not exporting again" in output
    assert "exported the frontend" not in output
    assert "Compiling" not in output
