"""`/api/admin/customers` and `/api/admin/channels`: what operators see, paged and filtered."""

import pytest

from clawscale.channels.base import InboundMessage
from clawscale.db import session_scope
from clawscale.domain.channels.store import create_channel
from clawscale.domain.inbound.intake import route_inbound_message
from clawscale.models import Channel
from tests.admin_auth import SETTINGS, admin_headers, customer_headers
from tests.factories import default_agent, evolution_channel


@pytest.fixture
def headers(session):
    return admin_headers(session)


def register(client, email, name="Ada"):
    body = {"display_name": name, "email": email, "password": "correct horse"}
    response = client.post("/api/auth/register", json=body)
    client.cookies.clear()
    return response.json()["data"]["customer_id"]


def chat_customer(db, session):
    agent = default_agent(
        session, "http://127.0.0.1:9/agent", provisioning_url="http://127.0.0.1:9/provision"
    )
    channel = evolution_channel(session, "http://127.0.0.1:9", agent=agent)
    with session_scope(db) as writer:
        message = InboundMessage("m1", sender_id="15550002222", sender_name="Chat Bob", text="hi")
        route_inbound_message(writer, writer.get(Channel, channel.id), message)
    return channel


def test_customers_show_contact_claim_agent_channels_and_parked(client, db, session, headers):
    ada = register(client, "ada@example.com")
    with session_scope(db) as writer:
        create_channel(writer, SETTINGS, "wechat_personal", "personal", owner_customer_id=ada)
    chat_customer(db, session)
    response = client.get("/api/admin/customers", headers=headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["total"] == 2
    bob, ada_row = data["items"]
    assert bob["contact"] == "whatsapp_evolution:15550002222"
    assert bob["claim_status"] == "unclaimed"
    assert (bob["agent"], bob["provision_status"], bob["provision_error"]) == (
        "coke",
        "pending",
        None,
    )
    assert bob["parked"] == 1
    assert bob["parked_reasons"] == ["awaiting_agent"]
    assert ada_row["contact"] == "ada@example.com"
    assert ada_row["claim_status"] == "pending"
    assert ada_row["channels"] == {"pending": 1}
    assert ada_row["parked"] == 0


def test_customer_search_filters_and_paging(client, db, session, headers):
    for index in range(5):
        register(client, f"person{index}@example.com", name=f"Person {index}")
    chat_customer(db, session)

    def emails(**params):
        response = client.get("/api/admin/customers", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [row["contact"] for row in response.json()["data"]["items"]]

    assert emails(q="PERSON3@") == ["person3@example.com"]
    assert emails(q="0002222") == ["whatsapp_evolution:15550002222"]
    assert emails(claim_status="unclaimed") == ["whatsapp_evolution:15550002222"]
    assert len(emails(limit=2, offset=4)) == 2
    for bad in ({"limit": 0}, {"limit": 201}, {"sort": "x"}, {"claim_status": "nope"}):
        response = client.get("/api/admin/customers", params=bad, headers=headers)
        assert response.status_code == 400


def test_channels_filter_by_status_and_kind_and_hide_secrets(client, db, session, headers):
    channel = chat_customer(db, session)
    response = client.get(
        "/api/admin/channels", params={"kind": "whatsapp_evolution"}, headers=headers
    )
    [row] = response.json()["data"]["items"]
    assert row["id"] == channel.id
    assert row["last_activity_at"] is not None
    assert "evo-key" not in response.text
    assert "secrets_encrypted" not in row and "config_encrypted" not in row
    none = client.get("/api/admin/channels", params={"status": "archived"}, headers=headers)
    assert none.json()["data"]["items"] == []


def test_only_admins_see_the_directory(client, session):
    for path in ("/api/admin/customers", "/api/admin/channels"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=customer_headers(session)).status_code == 401
