"""`/api/admin/agents`: create, list, edit; one default; tokens never shown."""

import pytest
from sqlmodel import select

from clawscale.domain.runtime.agents import agent_token
from clawscale.models import Agent, AuditLog
from clawscale.models.agents import (
    DEFAULT_FORWARD_TIMEOUT_SECONDS,
    MAX_FORWARD_TIMEOUT_SECONDS,
    MIN_FORWARD_TIMEOUT_SECONDS,
)
from clawscale.settings import Settings
from tests.admin_auth import admin_headers, customer_headers


@pytest.fixture
def headers(session):
    return admin_headers(session)


def create(client, headers, slug="coke", **extra):
    body = {"slug": slug, "name": slug.title(), "endpoint": f"https://{slug}.example/agent"}
    return client.post("/api/admin/agents", json={**body, **extra}, headers=headers)


def test_creating_an_agent_keeps_its_token_secret(client, session, headers):
    response = create(client, headers, token="super-secret-token", is_default=True)
    assert response.status_code == 201
    agent = response.json()["data"]["agent"]
    assert agent["has_token"] is True
    assert agent["is_default"] is True
    assert "super-secret-token" not in response.text
    stored = session.get(Agent, agent["id"])
    assert "super-secret-token" not in stored.token_encrypted
    assert agent_token(Settings(_env_file=None), stored) == "super-secret-token"
    listed = client.get("/api/admin/agents", headers=headers)
    assert "super-secret-token" not in listed.text
    assert listed.json()["data"]["total"] == 1
    assert [row.action for row in session.exec(select(AuditLog)).all()] == ["agent.create"]


def test_at_most_one_default_agent(client, session, headers):
    first = create(client, headers, "first", is_default=True).json()["data"]["agent"]
    second = create(client, headers, "second", is_default=True).json()["data"]["agent"]
    session.expire_all()
    assert session.get(Agent, first["id"]).is_default is False
    assert session.get(Agent, second["id"]).is_default is True
    client.patch(f"/api/admin/agents/{first['id']}", json={"is_default": True}, headers=headers)
    session.expire_all()
    defaults = session.exec(select(Agent).where(Agent.is_default)).all()
    assert [agent.id for agent in defaults] == [first["id"]]


def test_editing_an_agent(client, session, headers):
    agent = create(client, headers, token="old").json()["data"]["agent"]
    response = client.patch(
        f"/api/admin/agents/{agent['id']}",
        json={"name": "Coke v2", "token": "new-token"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["data"]["agent"]["name"] == "Coke v2"
    assert "new-token" not in response.text
    session.expire_all()
    assert agent_token(Settings(_env_file=None), session.get(Agent, agent["id"])) == "new-token"
    missing = client.patch("/api/admin/agents/agt_nope", json={"name": "x"}, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "agent_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"slug": "Bad Slug", "name": "x", "endpoint": "https://x.example"},
        {"slug": "ok", "name": "x", "endpoint": "/relative"},
        {"slug": "ok", "name": "", "endpoint": "https://x.example"},
        {"slug": "ok", "name": "x", "endpoint": "https://x.example", "colour": "red"},
        {"name": "x"},
    ],
)
def test_bad_agent_bodies_are_refused(client, session, headers, body):
    response = client.post("/api/admin/agents", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert session.exec(select(Agent)).all() == []


def test_slugs_are_unique_and_customers_are_refused(client, session, headers):
    assert create(client, headers).status_code == 201
    taken = create(client, headers)
    assert taken.status_code == 409
    assert taken.json()["error"] == "agent_slug_taken"
    assert client.get("/api/admin/agents", headers=customer_headers(session)).status_code == 401


def test_an_agent_with_a_provisioning_url_and_reply_wait(client, session, headers):
    response = create(
        client,
        headers,
        token="prov-secret",
        provisioning_url="https://coke.example/provision",
        forward_timeout_seconds=45,
    )
    assert response.status_code == 201
    agent = response.json()["data"]["agent"]
    assert agent["provisioning_url"] == "https://coke.example/provision"
    assert agent["provisioning_mode"] == "url"
    assert agent["forward_timeout_seconds"] == 45
    assert "token" not in agent and "token_encrypted" not in agent
    assert "prov-secret" not in response.text
    stored = session.get(Agent, agent["id"])
    assert (stored.provisioning_url, stored.forward_timeout_seconds) == (
        "https://coke.example/provision",
        45,
    )
    listed = client.get("/api/admin/agents", headers=headers)
    [row] = listed.json()["data"]["items"]
    assert (row["provisioning_mode"], row["forward_timeout_seconds"]) == ("url", 45)
    assert "prov-secret" not in listed.text


@pytest.mark.parametrize("provisioning", [{}, {"provisioning_url": None}, {"provisioning_url": ""}])
def test_an_agent_without_a_provisioning_url_needs_none(client, session, headers, provisioning):
    response = create(client, headers, **provisioning)
    assert response.status_code == 201
    agent = response.json()["data"]["agent"]
    assert agent["provisioning_url"] is None
    assert agent["provisioning_mode"] == "none"
    assert agent["forward_timeout_seconds"] == DEFAULT_FORWARD_TIMEOUT_SECONDS
    stored = session.get(Agent, agent["id"])
    assert stored.provisioning_url is None
    assert stored.forward_timeout_seconds == DEFAULT_FORWARD_TIMEOUT_SECONDS


@pytest.mark.parametrize("cleared", [None, ""])
def test_an_explicit_empty_provisioning_url_switches_to_none(client, session, headers, cleared):
    made = create(client, headers, provisioning_url="https://coke.example/provision")
    agent_id = made.json()["data"]["agent"]["id"]
    response = client.patch(
        f"/api/admin/agents/{agent_id}", json={"provisioning_url": cleared}, headers=headers
    )
    assert response.status_code == 200
    agent = response.json()["data"]["agent"]
    assert (agent["provisioning_url"], agent["provisioning_mode"]) == (None, "none")
    session.expire_all()
    assert session.get(Agent, agent_id).provisioning_url is None


def test_an_omitted_provisioning_url_stays_and_the_reply_wait_changes(client, session, headers):
    made = create(client, headers, provisioning_url="https://coke.example/provision")
    agent_id = made.json()["data"]["agent"]["id"]
    response = client.patch(
        f"/api/admin/agents/{agent_id}",
        json={"name": "Renamed", "forward_timeout_seconds": MAX_FORWARD_TIMEOUT_SECONDS},
        headers=headers,
    )
    assert response.status_code == 200
    agent = response.json()["data"]["agent"]
    assert agent["provisioning_url"] == "https://coke.example/provision"
    assert agent["provisioning_mode"] == "url"
    assert agent["forward_timeout_seconds"] == MAX_FORWARD_TIMEOUT_SECONDS
    switched = client.patch(
        f"/api/admin/agents/{agent_id}",
        json={"provisioning_url": "http://runtime.internal:8080/customers"},
        headers=headers,
    )
    assert switched.json()["data"]["agent"]["provisioning_url"] == (
        "http://runtime.internal:8080/customers"
    )
    session.expire_all()
    stored = session.get(Agent, agent_id)
    assert stored.provisioning_url == "http://runtime.internal:8080/customers"
    assert stored.forward_timeout_seconds == MAX_FORWARD_TIMEOUT_SECONDS
    updates = session.exec(select(AuditLog).where(AuditLog.action == "agent.update")).all()
    assert sorted(tuple(row.details["fields"]) for row in updates) == [
        ("forward_timeout_seconds", "name"),
        ("provisioning_url",),
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {"forward_timeout_seconds": MIN_FORWARD_TIMEOUT_SECONDS - 1},
        {"forward_timeout_seconds": MAX_FORWARD_TIMEOUT_SECONDS + 1},
        {"forward_timeout_seconds": -5},
        {"forward_timeout_seconds": 1.5},
        {"forward_timeout_seconds": "soon"},
        {"provisioning_url": "/relative/provision"},
        {"provisioning_url": "ftp://coke.example/provision"},
        {"provisioning_url": "https://" + "x" * 2048},
    ],
)
def test_bad_provisioning_and_reply_wait_are_refused(client, session, headers, extra):
    response = create(client, headers, **extra)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert session.exec(select(Agent)).all() == []
    agent_id = create(client, headers, "kept").json()["data"]["agent"]["id"]
    edited = client.patch(f"/api/admin/agents/{agent_id}", json=extra, headers=headers)
    assert edited.status_code == 400
    assert edited.json()["error"] == "invalid_body"
    session.expire_all()
    stored = session.get(Agent, agent_id)
    assert stored.provisioning_url is None
    assert stored.forward_timeout_seconds == DEFAULT_FORWARD_TIMEOUT_SECONDS
