"""`python -m clawscale.workers` stopped with SIGTERM, as scripts/run and container runtimes stop
it: a send in flight finishes and is recorded within STOP_GRACE_SECONDS; one that outlasts the
grace is cut short and its lease given back, so another worker may take it at once. Runs the
real worker process on SQLite and PostgreSQL against a fake Evolution provider."""

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from clawscale.db import session_scope
from clawscale.domain.outbox.accept import accept_delivery
from clawscale.models import OutboundDelivery
from tests.factories import evolution_channel, routed_conversation
from tests.fakes.evolution import FakeEvolution, fake_evolution
from tests.processes import stop, wait_until, worker_process
from tests.scale.support import outbound_body

SEND_PATH = "/message/sendText/main"
EXIT_SECONDS = 60


@pytest.fixture
def provider() -> Iterator[FakeEvolution]:
    with fake_evolution() as fake:
        yield fake


def queued(db, session: Session, provider: FakeEvolution, key: str) -> None:
    routed = routed_conversation(session, evolution_channel(session, provider.url), key=key)
    session.commit()
    with session_scope(db) as work:
        accept_delivery(work, key, routed.customer.id, routed.key, outbound_body(routed, key))


def delivery(session: Session, key: str) -> OutboundDelivery:
    session.expire_all()
    return session.exec(
        select(OutboundDelivery).where(OutboundDelivery.idempotency_key == key)
    ).one()


def terminated_mid_send(
    database_url: str, provider: FakeEvolution, log: Path, grace: str
) -> subprocess.Popen[bytes]:
    """Start a worker, wait until its send reached the provider, SIGTERM it and wait for it."""
    worker = worker_process(database_url, log, STOP_GRACE_SECONDS=grace)
    try:
        wait_until(lambda: provider.server.requests_to(SEND_PATH), 60, "the send to start")
        worker.send_signal(signal.SIGTERM)
        worker.wait(EXIT_SECONDS)
    finally:
        stop(worker)
    return worker


def test_a_send_in_flight_finishes_and_is_recorded(db, session, database_url, provider, tmp_path):
    provider.delay_seconds = 2.0
    queued(db, session, provider, "finishing")
    worker = terminated_mid_send(database_url, provider, tmp_path / "worker.log", grace="60")
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    assert delivery(session, "finishing").status == "succeeded"
    assert provider.texts() == ["finishing"]


def test_a_send_outlasting_the_grace_is_cut_short_and_its_lease_given_back(
    db, session, database_url, provider, tmp_path
):
    provider.server.hang("POST", SEND_PATH)
    queued(db, session, provider, "hanging")
    worker = terminated_mid_send(database_url, provider, tmp_path / "worker.log", grace="0.5")
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    row = delivery(session, "hanging")
    assert row.status == "sending"
    assert (row.lease_owner, row.lease_expires_at) == (None, None)
