"""The built-in demo agent over real HTTP, on SQLite and PostgreSQL: a visitor of its web chat
writes, the inbound worker forwards to the agent the gateway serves, the echo comes back through
the outbox and the chat's deliveries, and the second reply, pushed through `/api/outbound`,
follows. Also: it is made once, guarded by its token, and absent unless wanted."""

import pytest
from sqlmodel import select

from clawscale.domain.demo_agent.setup import INBOUND_PATH, ensure_demo
from clawscale.domain.runtime.agents import agent_token
from clawscale.models import Agent, Channel
from clawscale.settings import Settings
from clawscale.workers.inbound import InboundWorker
from tests.api.test_web_chat import history, visitor, write
from tests.factories import default_agent
from tests.passes import run_passes, send_due
from tests.processes import wait_until


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)


@pytest.fixture
def settings(api_url, use_settings) -> Settings:
    """The API's and the workers' settings: the gateway's public API URL is the test server."""
    return use_settings(CLAWSCALE_PUBLIC_API_URL=api_url)


def conversation(client, channel_id, token) -> list[tuple[str, str]]:
    items = history(client, channel_id, token).json()["data"]["items"]
    return [(item["role"], item["text"]) for item in items]


def test_a_visitor_gets_the_echo_and_then_the_pushed_reply(db, client, session, settings):
    demo = ensure_demo(session, settings)
    session.commit()
    guest = visitor(client, demo.channel.id)
    token = guest["visitor_token"]
    assert write(client, demo.channel.id, token, "hello demo", "m-1").status_code == 201
    run_passes(db, InboundWorker, count=2, settings=settings)
    send_due(db, settings)
    [mine, echo] = conversation(client, demo.channel.id, token)
    assert mine == ("visitor", "hello demo")
    assert echo[0] == "agent"
    assert "You wrote: hello demo" in echo[1]
    assert "platform=web_chat" in echo[1] and f"channelId={demo.channel.id}" in echo[1]

    def pushed() -> bool:
        send_due(db, settings)
        return len(conversation(client, demo.channel.id, token)) == 3

    wait_until(pushed, 20, "the pushed reply")
    role, text = conversation(client, demo.channel.id, token)[-1]
    assert role == "agent" and "pushed through /api/outbound" in text
    run_passes(db, InboundWorker, settings=settings)
    assert send_due(db, settings) == 0
    assert len(conversation(client, demo.channel.id, token)) == 3


def test_the_demo_is_made_once_and_is_default_only_without_another(session, settings):
    first = ensure_demo(session, settings)
    again = ensure_demo(session, settings)
    session.commit()
    assert (again.agent.id, again.channel.id) == (first.agent.id, first.channel.id)
    assert first.agent.is_default
    assert first.agent.endpoint == f"{settings.CLAWSCALE_PUBLIC_API_URL}{INBOUND_PATH}"
    assert (first.channel.kind, first.channel.status, first.channel.owner_agent_id) == (
        "web_chat",
        "connected",
        first.agent.id,
    )
    assert len(session.exec(select(Agent)).all()) == 1
    assert len(session.exec(select(Channel)).all()) == 1


def test_an_existing_default_agent_stays_the_default(session, settings):
    coke = default_agent(session, "http://coke.example/bridge/inbound")
    demo = ensure_demo(session, settings)
    session.commit()
    assert not demo.agent.is_default
    session.refresh(coke)
    assert coke.is_default


def test_the_demo_agent_answers_only_its_token_and_only_when_wanted(
    client, session, settings, use_settings
):
    demo = ensure_demo(session, settings)
    session.commit()
    forward = {"messages": [{"role": "user", "content": "hi"}], "metadata": {}}
    wrong = client.post(INBOUND_PATH, json=forward, headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "unauthorized")
    auth = {"Authorization": f"Bearer {agent_token(settings, demo.agent)}"}
    answer = client.post(INBOUND_PATH, json=forward, headers=auth)
    assert answer.json()["ok"] is True and answer.json()["reply"].startswith("You wrote: hi")
    not_json = client.post(INBOUND_PATH, content=b"[1]", headers=auth)
    assert (not_json.status_code, not_json.json()["error"]) == (400, "invalid_body")
    use_settings(DEMO_AGENT=False)
    assert client.post(INBOUND_PATH, json=forward, headers=auth).status_code == 404


def test_production_has_no_demo_unless_asked():
    assert Settings(_env_file=None).demo_agent_wanted
    assert not Settings(_env_file=None, CLAWSCALE_ENV="production").demo_agent_wanted
    assert Settings(_env_file=None, CLAWSCALE_ENV="production", DEMO_AGENT=True).demo_agent_wanted
    assert not Settings(_env_file=None, DEMO_AGENT=False).demo_agent_wanted
