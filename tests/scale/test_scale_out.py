"""Scaled out as docs/operations.md describes: two backends and two worker processes on one
PostgreSQL, Reflex's state in Redis. Every delivery reaches the provider once, every WeChat
account is long-polled by one process at a time, and so it stays when a worker is SIGKILLed.

The backends are the production backend process (`tests.processes.backend_process`: the Reflex
app object under granian, as `reflex run --env prod --backend-only` serves it) with
CLAWSCALE_RUN_WORKERS=false; the workers are `python -m clawscale.workers`. Leases are short
(DELIVERY_LEASE_SECONDS) so a dead worker's rows and channels come free within seconds.

What the design promises after a crash: a delivery a killed process was sending may reach the
provider again (at least once; its idempotency key, here its text, shows the resend); any other
delivery reaches it exactly once.
"""

import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from clawscale.models import Channel, OutboundDelivery
from tests.channels.wechat import connected_channel, signed_in_customer
from tests.factories import Routed, default_agent, evolution_channel, routed_conversation
from tests.fakes.evolution import FakeEvolution, fake_evolution
from tests.fakes.http_server import FakeResponse
from tests.fakes.ilink import FakeILink, fake_ilink
from tests.fakes.runtime import FakeRuntime, fake_runtime
from tests.processes import (
    backend_process,
    free_port,
    running,
    wait_until,
    wait_until_healthy,
    worker_process,
)
from tests.scale.support import Posted, all_succeeded, outbound_body, post_outbound

# Short, so a dead worker's rows and channels come free soon; longer than any send takes here
# (two seconds of provider delay), so only the killed worker's sends are ever repeated.
LEASE_SECONDS = 8
START_SECONDS = 120
CONVERSATIONS = 10
ACCOUNTS = 4


def pid_of(worker_id: str | None) -> int | None:
    """The process id inside a worker id (`role:host:pid:random`)."""
    return int(worker_id.split(":")[2]) if worker_id and worker_id.count(":") == 3 else None


def channel_pollers(session: Session, channels: list[Channel]) -> dict[str, int | None]:
    """Which process holds each WeChat channel's lease."""
    session.rollback()
    ids = [channel.id for channel in channels]
    rows = session.exec(select(Channel.id, Channel.lease_owner).where(col(Channel.id).in_(ids)))
    return {channel_id: pid_of(owner) for channel_id, owner in rows}


def sending_by(session: Session, pid: int) -> set[str]:
    """The keys of deliveries process `pid` holds mid-send."""
    session.rollback()
    rows = session.exec(
        select(OutboundDelivery.idempotency_key, OutboundDelivery.lease_owner).where(
            OutboundDelivery.status == "sending"
        )
    )
    return {key for key, owner in rows if pid_of(owner) == pid}


def round_bodies(conversations: list[Routed], name: str, per_conversation: int) -> list[dict]:
    """`per_conversation` replies to every conversation."""
    return [
        outbound_body(routed, f"{name}-{routed.key}-{step}")
        for routed in conversations
        for step in range(per_conversation)
    ]


def post_all(urls: list[str], bodies: list[dict]) -> list[Posted]:
    """Post every body at once, alternating backends."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(
            pool.map(lambda job: post_outbound(urls[job[0] % len(urls)], job[1]), enumerate(bodies))
        )


def inject_one_each(ilink: FakeILink, round_name: str) -> set[str]:
    """Every WeChat account receives one message; their texts."""
    return {
        ilink.inject(bot, f"{round_name} to {bot.ilink_bot_id}")["item_list"][0]["text_item"][
            "text"
        ]
        for bot in ilink.bots.values()
    }


def forwarded_once(runtime: FakeRuntime, texts: set[str]) -> bool:
    """Whether the runtime has every one of `texts`; fails on any received twice."""
    counts = Counter(runtime.texts())
    assert all(count == 1 for count in counts.values()), f"forwarded twice: {counts}"
    return texts <= counts.keys()


@pytest.fixture
def fakes() -> Iterator[tuple[FakeEvolution, FakeILink, FakeRuntime]]:
    with (
        fake_evolution() as evolution,
        fake_ilink(hold_seconds=1.0) as ilink,
        fake_runtime() as runtime,
    ):
        yield evolution, ilink, runtime


def test_two_backends_and_two_workers_send_once_and_poll_exclusively_across_a_kill(
    postgres_url: str,
    postgres_session: Session,
    redis_url: str,
    fakes: tuple[FakeEvolution, FakeILink, FakeRuntime],
    tmp_path: Path,
) -> None:
    evolution, ilink, runtime = fakes
    session = postgres_session
    default_agent(session, runtime.endpoint)
    shared = evolution_channel(session, evolution.url)
    conversations = [
        routed_conversation(session, shared, external_id=f"{index}", key=f"c{index}")
        for index in range(CONVERSATIONS)
    ]
    accounts = [
        connected_channel(
            session, signed_in_customer(session, name=f"Owner{i}").customer, ilink, ilink.add_bot()
        )
        for i in range(ACCOUNTS)
    ]
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "CLAWSCALE_RUN_WORKERS": "false",
        "DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    ports = [free_port(), free_port()]
    backends = [
        backend_process(port, env, tmp_path / f"web-{port}", tmp_path / f"backend-{port}.log")
        for port in ports
    ]
    workers = [
        worker_process(postgres_url, tmp_path / f"worker-{index}.log", **env) for index in range(2)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    with running(*backends, *workers):
        for url, backend, port in zip(urls, backends, ports, strict=True):
            wait_until_healthy(url, backend, START_SECONDS, tmp_path / f"backend-{port}.log")

        # Both processes alive: replies spread over both backends, some first sends refused
        # (the dispatchers retry them), one message to every WeChat account.
        evolution.fail_next(*(FakeResponse(503) for _ in range(5)))
        first = post_all(urls, round_bodies(conversations, "first", per_conversation=3))
        assert {(posted.status, posted.body["ok"]) for posted in first} == {(200, True)}
        first_keys = {posted.key for posted in first}
        first_texts = inject_one_each(ilink, "first")
        wait_until(lambda: all_succeeded(session, first_keys), 40, "the first round sent")
        wait_until(lambda: forwarded_once(runtime, first_texts), 20, "first messages forwarded")
        assert Counter(evolution.texts()) == Counter(first_keys)
        pollers = channel_pollers(session, accounts)
        worker_pids = {worker.pid for worker in workers}
        assert set(pollers.values()) <= worker_pids

        # A slow provider keeps sends in flight; the worker that polls the WeChat accounts is
        # killed while it holds deliveries mid-send.
        victim = next(worker for worker in workers if worker.pid in pollers.values())
        survivor = next(worker for worker in workers if worker is not victim)
        evolution.delay_seconds = 2.0
        with ThreadPoolExecutor(max_workers=1) as poster:
            bodies = round_bodies(conversations, "second", per_conversation=3)
            second = poster.submit(post_all, urls, bodies)
            wait_until(lambda: sending_by(session, victim.pid), 30, "the victim sending")
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            held_at_kill = sending_by(session, victim.pid)
            evolution.delay_seconds = 0.0
            second_posted = second.result()
        assert held_at_kill, "the killed worker held no delivery mid-send"
        assert {(posted.status, posted.body["ok"]) for posted in second_posted} == {(200, True)}
        second_keys = {posted.key for posted in second_posted}

        # The survivor takes over the victim's deliveries and accounts once the leases expire.
        wait_until(lambda: all_succeeded(session, second_keys), 40, "the second round sent")
        wait_until(
            lambda: set(channel_pollers(session, accounts).values()) == {survivor.pid},
            30,
            "the survivor polling every account",
        )
        after_texts = inject_one_each(ilink, "after")
        wait_until(lambda: forwarded_once(runtime, after_texts), 20, "later messages forwarded")
        assert survivor.poll() is None
        assert all(backend.poll() is None for backend in backends)

    sent = Counter(evolution.texts())
    assert sent.keys() == first_keys | second_keys
    resent = {key for key, count in sent.items() if count > 1}
    assert resent <= held_at_kill, f"resent without a crash: {resent - held_at_kill}"
    assert max(sent.values()) <= 2
    assert set(ilink.max_concurrent_polls) == {bot.ilink_bot_id for bot in ilink.bots.values()}
    assert set(ilink.max_concurrent_polls.values()) == {1}
    assert ilink.header_problems == []
