"""What a run's processes spend: CPU seconds over a block, by process tree and for the
PostgreSQL processes that serve the benchmark's database, and the peak resident memory of the
largest single process."""

import re
import threading
import time

import psutil

CLIENT_BACKEND = re.compile(r"\(\d+\)|\[local\]")
"""In a PostgreSQL process's title, what marks a client's connection (its address)."""


def tree(pid: int) -> list[psutil.Process]:
    """The process `pid` and its descendants (none if it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def postgres_processes(database: str) -> list[psutil.Process]:
    """PostgreSQL's processes that work for `database`: its connections, and the server's own
    (postmaster, checkpointer, WAL writer, ...), but not other databases' connections."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(process.info["cmdline"] or ())
        if process.info["name"] != "postgres":
            continue
        if f" {database} " in title or not CLIENT_BACKEND.search(title):
            found.append(process)
    return found


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """User and system CPU seconds so far, by pid (processes that are gone left out)."""
    spent = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        spent[process.pid] = times.user + times.system
    return spent


class CpuTime:
    """CPU seconds spent during a block by named process trees (their processes as the block
    ends: a child that exits within it takes what it spent along) and, as "PostgreSQL", by
    `database`'s PostgreSQL processes (a connection opened within the block counts from zero,
    one closed within it is missed)."""

    def __init__(self, database: str, **pids: int) -> None:
        self.database = database
        self.pids = pids
        self.seconds: dict[str, float] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        snapshot = {name: cpu_seconds(tree(pid)) for name, pid in self.pids.items()}
        snapshot["PostgreSQL"] = cpu_seconds(postgres_processes(self.database))
        return snapshot

    def __enter__(self) -> "CpuTime":
        self._start = self._snapshot()
        return self

    def __exit__(self, *_: object) -> None:
        for name, end in self._snapshot().items():
            start = self._start[name]
            self.seconds[name] = sum(spent - start.get(pid, 0.0) for pid, spent in end.items())


class PeakMemory:
    """Samples the resident memory of each process in named trees while the block runs; keeps
    the largest single process's peak and the name of its tree."""

    INTERVAL_SECONDS = 0.2

    def __init__(self, **pids: int) -> None:
        self.pids = pids
        self.peak_bytes = 0
        self.peak_name = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample_once(self) -> None:
        for name, pid in self.pids.items():
            for process in tree(pid):
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    continue
                if rss > self.peak_bytes:
                    self.peak_bytes, self.peak_name = rss, name

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sample_once()
            time.sleep(self.INTERVAL_SECONDS)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
