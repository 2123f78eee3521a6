"""A throwaway PostgreSQL cluster of one test's own (initdb + pg_ctl on a free port), so the test
may stop and start it without touching the server other suites share.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user and
every server command runs through `runuser`.
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import free_port

SERVER_USER = "postgres"


def _server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder."""
    found = [
        path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()
    ]
    found.sort(key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)])
    return found[-1] if found else None


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs a server command as a user initdb accepts; and that user
    when it differs from this process's."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        pytest.skip(f"running as root and there is no {SERVER_USER!r} OS user to own a cluster")
    if runuser is None:
        pytest.skip("running as root and runuser is missing, so initdb cannot run")
    return [runuser, "-u", SERVER_USER, "--"], user


@dataclass
class PrivateCluster:
    """One cluster: its folder, port and the commands that stop and start it."""

    bin: Path
    folder: Path
    port: int
    prefix: list[str]

    @property
    def url(self) -> str:
        """The `postgres` database as the `postgres` superuser (trusted on loopback)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *arguments: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), *arguments]
        subprocess.run([*self.prefix, *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` ends every session; `immediate` is a crash)."""
        self._pg_ctl("-m", mode, "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivateCluster]:
    """A started cluster in a new folder; stopped and deleted when the block ends."""
    server_bin = _server_bin()
    if server_bin is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    prefix, user = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="clawscale-pg-"))
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = PrivateCluster(server_bin, folder, free_port(), prefix)
    initdb = [str(server_bin / "initdb"), "-D", str(folder / "data"), "-U", "postgres"]
    initdb += ["-A", "trust", "-E", "UTF8", "--no-sync"]
    try:
        subprocess.run([*prefix, *initdb], check=True, capture_output=True, timeout=120)
        cluster.start()
        yield cluster
    finally:
        if (folder / "data" / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
