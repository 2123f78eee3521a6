"""A runtime and a provider that accept connections and never answer: every call gives up after
its timeout and other work goes on meanwhile. A send is retried and not lost; a forward the
runtime received and never answered is not sent again (the runtime has it; a reply would come
through `/api/outbound`).

The workers run as `run_all_workers` runs them (the continuous dispatcher, the inbound worker's
passes), on an event loop in a thread, with the client timeout cut to one second; the outbound
route is the real API over HTTP. Runs on SQLite and PostgreSQL.
"""

import asyncio
from collections.abc import Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from clawscale.api.app import build_api
from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.inbound.intake import route_inbound_message
from clawscale.domain.outbox.accept import accept_delivery
from clawscale.models import AgentBinding, Channel, DeliveryAttempt, InboundEvent, OutboundDelivery
from clawscale.workers import loop
from clawscale.workers.inbound import InboundWorker
from tests.channels.wechat import SETTINGS, connected_channel, signed_in_customer
from tests.factories import Routed, default_agent, evolution_channel, routed_conversation
from tests.fakes.evolution import FakeEvolution, fake_evolution
from tests.fakes.ilink import fake_ilink
from tests.fakes.runtime import AGENT_PATH, FakeRuntime, fake_runtime
from tests.passes import in_background
from tests.processes import wait_until
from tests.scale.support import OUTBOUND_HEADERS, outbound_body
from tests.servers import serve_asgi

TIMEOUT_SECONDS = 1.0
SEND_PATH = "/message/sendText/main"


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "HTTP_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.5)


@pytest.fixture
def runtime() -> Iterator[FakeRuntime]:
    with fake_runtime() as fake:
        yield fake


@pytest.fixture
def slow() -> Iterator[FakeEvolution]:
    with fake_evolution() as fake:
        yield fake


@pytest.fixture
def fast() -> Iterator[FakeEvolution]:
    with fake_evolution() as fake:
        yield fake


def running_workers(engine: sa.Engine) -> AbstractContextManager[None]:
    """The dispatcher and the inbound worker as `run_all_workers` runs them, on their own event
    loop, until the block ends."""

    async def work() -> None:
        await asyncio.gather(
            loop.run_dispatcher(engine, SETTINGS),
            loop.run_forever(InboundWorker(engine, SETTINGS)),
        )

    return in_background(work)


def queue(engine: sa.Engine, routed: Routed, key: str) -> None:
    with session_scope(engine) as db:
        payload = outbound_body(routed, key)
        accept_delivery(db, key, routed.customer.id, routed.key, payload)


def delivery(session: Session, key: str) -> OutboundDelivery:
    session.expire_all()
    return session.exec(
        select(OutboundDelivery).where(OutboundDelivery.idempotency_key == key)
    ).one()


def attempts(session: Session, key: str) -> list[DeliveryAttempt]:
    row = delivery(session, key)
    return list(
        session.exec(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == row.id)
            .order_by(DeliveryAttempt.attempt_number)
        )
    )


def timed_out(session: Session, key: str) -> bool:
    return any("ReadTimeout" in (attempt.error or "") for attempt in attempts(session, key))


def test_a_hanging_runtime_and_provider_time_out_and_block_nothing_else(
    db, session, runtime, slow, fast
):
    runtime.server.hang("POST", AGENT_PATH)
    slow.server.hang("POST", SEND_PATH)
    agent = default_agent(session, runtime.endpoint, forward_timeout_seconds=1)
    owner = signed_in_customer(session)
    ready = AgentBinding(customer_id=owner.customer.id, agent_id=agent.id, provision_status="ready")
    session.add(ready)
    session.commit()
    with fake_ilink() as ilink:
        wechat = connected_channel(session, owner.customer, ilink, ilink.add_bot())
    with session_scope(db) as work:
        message = InboundMessage("m1", sender_id="wxid_peer", text="are you there?")
        event_id = route_inbound_message(work, work.get(Channel, wechat.id), message).event_id
    to_slow = routed_conversation(session, evolution_channel(session, slow.url), key="slow")
    to_fast = routed_conversation(session, evolution_channel(session, fast.url), key="fast")
    queue(db, to_slow, "slow-1")
    queue(db, to_fast, "fast-1")

    def event() -> InboundEvent:
        session.expire_all()
        return session.get(InboundEvent, event_id)

    with running_workers(db):
        wait_until(lambda: timed_out(session, "slow-1"), 20, "the send to time out")
        wait_until(lambda: event().status == "forwarded", 20, "the forward to time out")
        assert event().last_error == "runtime_timeout: no answer within 1 s"
        assert delivery(session, "fast-1").status == "succeeded"
        [fast_attempt] = attempts(session, "fast-1")
        assert fast_attempt.finished_at <= attempts(session, "slow-1")[0].finished_at

        # Work that arrives while both peers still hang is done too.
        queue(db, to_fast, "fast-2")
        wait_until(lambda: delivery(session, "fast-2").status == "succeeded", 20, "fast-2")
        wait_until(lambda: len(attempts(session, "slow-1")) >= 2, 20, "the send retried")

        # One call at a time per item: a hanging call is abandoned before the next is made.
        sends = len(slow.server.requests_to(SEND_PATH))
        assert sends <= len(attempts(session, "slow-1")) + 1

        runtime.server.release()
        slow.server.release()
        wait_until(lambda: delivery(session, "slow-1").status == "succeeded", 20, "slow-1 sent")
    assert slow.texts() == ["slow-1"]
    assert fast.texts() == ["fast-1", "fast-2"]
    assert len(runtime.server.requests_to(AGENT_PATH)) == 1
    assert event().attempts == 1


def test_the_outbound_route_answers_at_once_while_the_provider_hangs(db, session, slow):
    slow.server.hang("POST", SEND_PATH)
    routed = routed_conversation(session, evolution_channel(session, slow.url), key="slow")
    with serve_asgi(build_api(db)) as api_url, running_workers(db):
        response = httpx.post(
            f"{api_url}/api/outbound",
            json=outbound_body(routed, "slow-api"),
            headers=OUTBOUND_HEADERS,
            timeout=TIMEOUT_SECONDS,
        )
        assert response.status_code == 200
        assert response.json() == {"ok": True, "idempotency_key": "slow-api", "status": "queued"}
        wait_until(lambda: timed_out(session, "slow-api"), 20, "the send to time out")
        assert delivery(session, "slow-api").status in ("failed", "sending")
        slow.server.release()
        wait_until(lambda: delivery(session, "slow-api").status == "succeeded", 20, "sent")
    assert slow.texts() == ["slow-api"]
