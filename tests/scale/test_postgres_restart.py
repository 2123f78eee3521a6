"""PostgreSQL restarted under load: while it is down every request fails cleanly (503 in the
contract's envelope, quickly), and once it is back the same gateway process serves again and
every delivery it accepted is sent.

The database is a private cluster (`tests.scale.private_postgres`), never the shared server.
The gateway is scaled out as docs/operations.md describes: one API process (the API object the
backend serves in front of Reflex, `tests.processes.api_process`; Reflex itself has no part in
this and takes ten times as long to start) and one `python -m clawscale.workers`; neither is
restarted. A load of `POST /api/outbound` runs from threads throughout.

What may repeat: a send whose result could not be stored because the database went away (the
provider answered, the UPDATE failed) is sent again once its lease expires. That can be a request
answered 503, or one answered 200 whose dispatcher send straddled the outage. A delivery whose
result was stored before the outage is sent exactly once.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from clawscale.db import create_db_engine
from clawscale.migrations import upgrade_database
from tests.factories import Routed, evolution_channel, routed_conversation
from tests.fakes.evolution import fake_evolution
from tests.processes import (
    api_process,
    free_port,
    running,
    wait_until,
    wait_until_healthy,
    worker_process,
)
from tests.scale.private_postgres import PrivateCluster, private_postgres
from tests.scale.support import (
    Posted,
    all_succeeded,
    delivery_statuses,
    outbound_body,
    post_outbound,
)

CLIENTS = 6
REQUEST_BOUND_SECONDS = 20.0
# Longer than any send takes here, even on a loaded machine: a send that outlives its lease
# is sent again (at least once), which would blur what this test checks.
LEASE_SECONDS = 10
UNAVAILABLE = {"ok": False, "error": "database_unavailable"}
REPEATED = ("duplicate_request", "duplicate_request_in_progress")


@dataclass
class Load:
    """Clients posting new replies until stopped; every answer kept, in order."""

    url: str
    conversations: list[Routed]
    answers: list[Posted] = field(default_factory=list)
    bodies: dict[str, dict[str, object]] = field(default_factory=dict)
    stopped: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_body(self, number: int, sequence: int) -> dict[str, object]:
        """Reply `sequence` of client `number`; the conversations' rows are detached, so
        reading them never touches a session."""
        routed = self.conversations[sequence % len(self.conversations)]
        return outbound_body(routed, f"k{number}-{sequence}")

    def client(self, number: int) -> None:
        sequence = 0
        while not self.stopped.is_set():
            body = self.bodies[f"k{number}-{sequence}"] = self.next_body(number, sequence)
            posted = post_outbound(self.url, body, REQUEST_BOUND_SECONDS)
            with self.lock:
                self.answers.append(posted)
            sequence += 1

    def since(self, start: int) -> list[Posted]:
        with self.lock:
            return self.answers[start:]

    def count(self) -> int:
        with self.lock:
            return len(self.answers)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_postgres() as cluster:
        yield cluster


@pytest.fixture
def cluster_database(cluster: PrivateCluster) -> str:
    """A migrated `clawscale` database on the private cluster."""
    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE clawscale"))
    admin.dispose()
    url = make_url(cluster.url).set(database="clawscale").render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def unavailable_is_clean(posted: Posted) -> bool:
    """A 503 in the contract's envelope with the database's error code."""
    body = posted.body if isinstance(posted.body, dict) else {}
    return posted.status == 503 and {key: body.get(key) for key in UNAVAILABLE} == UNAVAILABLE


def health(url: str) -> tuple[int, str, str]:
    response = httpx.get(f"{url}/health", timeout=REQUEST_BOUND_SECONDS)
    body = response.json()
    return response.status_code, body["status"], body["database"]


def sent_before(session: Session) -> set[str]:
    """The keys of the deliveries sent so far."""
    return {key for key, status in delivery_statuses(session).items() if status == "succeeded"}


def test_requests_fail_cleanly_while_postgres_is_down_and_recover_without_a_restart(
    cluster: PrivateCluster, cluster_database: str, tmp_path: Path
) -> None:
    engine = create_db_engine(cluster_database)
    session = Session(engine, expire_on_commit=False)
    with fake_evolution() as evolution:
        shared = evolution_channel(session, evolution.url)
        conversations = [
            routed_conversation(session, shared, external_id=f"{index}", key=f"c{index}")
            for index in range(CLIENTS * 2)
        ]
        session.close()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp_path / "backend.log"
        env = {
            "DATABASE_URL": cluster_database,
            "DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
            "CLAWSCALE_RUN_WORKERS": "false",
        }
        backend = api_process(port, env, log)
        worker = worker_process(cluster_database, tmp_path / "worker.log", **env)
        load = Load(url, conversations)
        with running(backend, worker):
            wait_until_healthy(url, backend, log=log)
            with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
                for number in range(CLIENTS):
                    clients.submit(load.client, number)
                wait_until(lambda: load.count() >= 20, 30, "load before the outage")
                wait_until(lambda: sent_before(session), 30, "a delivery sent before the outage")
                settled = sent_before(session)
                session.close()
                cluster.stop("fast")
                outage_start = load.count()
                wait_until(
                    lambda: sum(p.status == 503 for p in load.since(outage_start)) >= 10,
                    30,
                    "503s during the outage",
                )
                assert health(url) == (503, "degraded", "unreachable")
                during = load.since(outage_start)

                cluster.start()
                engine.dispose()
                back = load.count()
                wait_until(
                    lambda: [p.status for p in load.since(back)][-10:] == [200] * 10,
                    30,
                    "ten answers in a row succeeding again",
                )
                load.stopped.set()
            assert health(url) == (200, "ok", "ok")

            answers = load.since(0)
            assert all(p.status in (200, 503) for p in answers), Counter(p.status for p in answers)
            assert all(unavailable_is_clean(p) for p in answers if p.status == 503)
            assert all(p.body["ok"] is True for p in answers if p.status == 200)
            assert max(p.seconds for p in answers) < REQUEST_BOUND_SECONDS
            assert all(p.status == 503 for p in during[-5:])

            # The runtime retries what got a 503 with the same key; the gateway sends the rest.
            refused = {p.key for p in answers if p.status == 503}
            accepted = {p.key for p in answers if p.status == 200}
            for key in refused:
                retried = post_outbound(url, load.bodies[key])
                assert retried.status == 200 or retried.body["error"] in REPEATED, retried
            wait_until(
                lambda: all_succeeded(session, accepted | refused),
                LEASE_SECONDS + 30,
                "every delivery sent",
            )
            assert backend.poll() is None and worker.poll() is None, "a process ended"
        statuses = delivery_statuses(session)
    session.close()
    engine.dispose()
    assert set(statuses.values()) == {"succeeded"}
    sent = Counter(evolution.texts())
    assert all(sent[key] == 1 for key in settled), {k: sent[k] for k in settled if sent[k] != 1}
    assert all(1 <= sent[key] <= 2 for key in accepted | refused)
