"""`/api/admin/agents`: create, list, edit; one default; tokens never shown."""

import pytest
from sqlmodel import select

from clawscale.domain.agents import agent_token
from clawscale.models import Agent, AuditLog
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
