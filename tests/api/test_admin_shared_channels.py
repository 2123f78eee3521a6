"""`/api/admin/shared-channels` over real HTTP against fake providers, on both databases."""

import pytest
from sqlmodel import col, select

from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.accounts.sessions import issue_session
from clawscale.domain.channels.store import channel_credentials, create_channel
from clawscale.domain.runtime.agents import create_agent
from clawscale.models import AuditLog, Channel, ChannelScope, InboundEvent, SessionSubject
from clawscale.settings import Settings
from tests.fakes.evolution import fake_evolution, upsert_event
from tests.fakes.gewe import fake_gewe
from tests.fakes.http_server import FakeResponse
from tests.fakes.linq import fake_linq, message_received
from tests.fakes.telegram import fake_telegram, message_update, telegram_error
from tests.fakes.whatsapp_business import fake_graph, graph_error

SETTINGS = Settings(_env_file=None)
PUBLIC_URL = "https://gateway.example.com"
BASE = "/api/admin/shared-channels"
EVOLUTION_KEY = "evo-key"
REVEAL = "/webhook-url"
WEBHOOK_PATH = "/api/webhooks/"
ADMIN_SECRETS = {
    "evo-key",
    "linq-key",
    "gewe-token",
    "123456:bot-token",
    "graph-token",
    "meta-app-secret",
    "meta-verify-token",
    "rotated-evo-key",
}


@pytest.fixture
def headers(session):
    admin = create_admin(session, "ops@example.com", "correct horse")
    session.commit()
    token = issue_session(session, SessionSubject.ADMIN, admin.id, SETTINGS.ADMIN_JWT_SECRET).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def agent(session):
    agent = create_agent(session, SETTINGS, "coke", "Coke", "https://agent.example/in", "tok")
    session.commit()
    return agent


@pytest.fixture
def public(use_settings):
    return use_settings(CLAWSCALE_PUBLIC_API_URL=PUBLIC_URL)


@pytest.fixture
def evolution():
    with fake_evolution(api_key=EVOLUTION_KEY) as fake:
        yield fake


class Admin:
    """The API as an admin calls it; every answer is checked for leaked secrets, and only the
    reveal answers a webhook URL (it carries the path token)."""

    def __init__(self, client, headers):
        self.client = client
        self.headers = headers

    def call(self, method, path="", **kwargs):
        response = self.client.request(method, f"{BASE}{path}", headers=self.headers, **kwargs)
        for secret in ADMIN_SECRETS:
            assert secret not in response.text, f"{secret} leaked in {method} {path}"
        if not path.endswith(REVEAL):
            assert WEBHOOK_PATH not in response.text, f"webhook URL in {method} {path}"
        return response

    def create(self, **body):
        return self.call("POST", json=body)

    def webhook_url(self, channel_id):
        response = self.call("POST", f"/{channel_id}{REVEAL}")
        assert response.status_code == 200, response.text
        return response.json()["data"]["webhook_url"]


@pytest.fixture
def admin(client, headers, public):
    return Admin(client, headers)


def evolution_body(evolution, agent=None, **overrides):
    body = {
        "kind": "whatsapp_evolution",
        "name": "Support WhatsApp",
        "agent_id": agent.id if agent else None,
        "config": {"instance": "main", "base_url": evolution.url},
        "secrets": {"api_key": EVOLUTION_KEY},
    }
    return {**body, **overrides}


def audit_actions(session):
    session.expire_all()
    return list(session.exec(select(AuditLog.action).order_by(col(AuditLog.created_at))))


def stored(session, channel_id):
    session.expire_all()
    return session.get(Channel, channel_id)


def test_only_admins_may_use_it(client, session):
    assert client.get(BASE).status_code == 401
    customer = issue_session(
        session, SessionSubject.CUSTOMER, "idn_x", SETTINGS.CUSTOMER_JWT_SECRET
    )
    session.commit()
    as_customer = {"Authorization": f"Bearer {customer.token}"}
    for method, path in [
        ("GET", ""),
        ("POST", ""),
        ("GET", "/ch_x"),
        ("PATCH", "/ch_x"),
        ("DELETE", "/ch_x"),
        ("POST", "/ch_x/connect"),
        ("POST", "/ch_x/disconnect"),
        ("POST", "/ch_x/webhook-url"),
    ]:
        response = client.request(method, f"{BASE}{path}", headers=as_customer, json={})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"


def test_create_answers_flags_never_a_secret(admin, session, evolution, agent):
    response = admin.create(**evolution_body(evolution, agent))
    assert response.status_code == 201, response.text
    channel = response.json()["data"]["channel"]
    assert channel["kind"] == "whatsapp_evolution"
    assert channel["status"] == "disconnected"
    assert channel["agent"] == {"id": agent.id, "slug": "coke", "name": "Coke"}
    assert channel["config"] == {"instance": "main", "base_url": evolution.url}
    assert (channel["has_webhook_token"], channel["has_api_key"]) == (True, True)
    row = stored(session, channel["id"])
    assert row.scope == ChannelScope.SHARED
    token = channel_credentials(SETTINGS, row).secrets["webhook_token"]
    assert len(token) >= 32
    assert channel["receives_webhooks"] is True
    assert token not in str(channel)
    [entry] = session.exec(select(AuditLog)).all()
    assert (entry.action, entry.target_id) == ("shared_channel.create", channel["id"])
    assert entry.details["secrets"] == ["api_key"]
    assert EVOLUTION_KEY not in str(entry.details)


def test_each_channel_gets_its_own_token(admin, evolution):
    first = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    second = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    first_url, second_url = admin.webhook_url(first["id"]), admin.webhook_url(second["id"])
    assert first_url.rsplit("/", 1)[1] != second_url.rsplit("/", 1)[1]


def test_the_webhook_url_is_shown_only_when_asked_and_the_request_is_audited(
    admin, session, evolution
):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    token = channel_credentials(SETTINGS, stored(session, channel["id"])).secrets["webhook_token"]
    for answer in (admin.call("GET"), admin.call("GET", f"/{channel['id']}")):
        assert answer.status_code == 200
        assert token not in answer.text
    assert audit_actions(session) == ["shared_channel.create"]
    url = admin.webhook_url(channel["id"])
    assert url == f"{PUBLIC_URL}/api/webhooks/whatsapp_evolution/{channel['id']}/{token}"
    session.expire_all()
    entry = session.exec(select(AuditLog).order_by(col(AuditLog.created_at).desc())).first()
    assert (entry.action, entry.target_kind, entry.target_id) == (
        "shared_channel.reveal_webhook_url",
        "channel",
        channel["id"],
    )
    assert entry.admin_id is not None
    assert token not in str(entry.details)


def test_revealing_the_webhook_url_of_an_unknown_channel_is_404(admin):
    response = admin.call("POST", f"/ch_missing{REVEAL}")
    assert response.status_code == 404
    assert response.json()["error"] == "shared_channel_not_found"


INVALID = {
    "missing config and secret": (
        {"kind": "linq", "name": "SMS"},
        [["config", "from_number"], ["secrets", "api_key"]],
    ),
    "unknown kind": ({"kind": "fax", "name": "Fax"}, [["kind"]]),
    "unknown agent": (
        {"kind": "telegram", "name": "Bot", "agent_id": "agt_x", "secrets": {"bot_token": "t"}},
        [["agent_id"]],
    ),
    "unknown config field": (
        {
            "kind": "telegram",
            "name": "Bot",
            "config": {"colour": "red"},
            "secrets": {"bot_token": "t"},
        },
        [["config", "colour"]],
    ),
    "managed field": (
        {
            "kind": "linq",
            "name": "SMS",
            "config": {"from_number": "+1555", "webhook_subscription_id": "mine"},
            "secrets": {"api_key": "k", "signing_secret": "mine"},
        },
        [["config", "webhook_subscription_id"], ["secrets", "signing_secret"]],
    ),
    "generated token": (
        {"kind": "telegram", "name": "Bot", "secrets": {"bot_token": "t", "webhook_token": "x"}},
        [["secrets", "webhook_token"]],
    ),
    "base url not http": (
        {
            "kind": "telegram",
            "name": "Bot",
            "config": {"base_url": "file:///etc"},
            "secrets": {"bot_token": "t"},
        },
        [["config", "base_url"]],
    ),
    "meta without its secrets": (
        {"kind": "whatsapp_business", "name": "WA", "config": {"phone_number_id": "1"}},
        [["secrets", "access_token"], ["secrets", "app_secret"], ["secrets", "verify_token"]],
    ),
}


@pytest.mark.parametrize(("body", "paths"), INVALID.values(), ids=INVALID.keys())
def test_invalid_bodies_list_what_is_wrong_and_create_nothing(admin, session, body, paths):
    response = admin.create(**body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert [issue["path"] for issue in response.json()["issues"]] == paths
    assert session.exec(select(Channel)).all() == []
    assert audit_actions(session) == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "telegram"},
        {"kind": "telegram", "name": ""},
        {"kind": "telegram", "name": "x", "extra": 1},
        {"kind": "telegram", "name": "x", "secrets": {"bot_token": 5}},
    ],
)
def test_malformed_bodies_are_400(admin, body):
    response = admin.create(**body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


def test_the_list_is_paginated_filtered_and_hides_archived_and_personal_channels(
    admin, session, evolution
):
    created = [admin.create(**evolution_body(evolution, name=f"n{i}")) for i in range(3)]
    ids = [response.json()["data"]["channel"]["id"] for response in created]
    admin.create(kind="telegram", name="Bot", secrets={"bot_token": "123456:bot-token"})
    assert admin.call("DELETE", f"/{ids[0]}").status_code == 200
    create_channel(session, SETTINGS, "wechat_personal", ChannelScope.PERSONAL)
    session.commit()
    page = admin.call("GET", params={"limit": 2}).json()["data"]
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 0, 2)
    evolution_only = admin.call("GET", params={"kind": "whatsapp_evolution"}).json()["data"]
    assert [item["id"] for item in evolution_only["items"]] == [ids[2], ids[1]]
    assert admin.call("GET", params={"status": "connected"}).json()["data"]["total"] == 0
    for params in ({"colour": "red"}, {"limit": 0}, {"limit": 201}, {"status": "bogus"}):
        response = admin.call("GET", params=params)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_query"


def test_detail_and_unknown_ids(admin, session, evolution):
    created = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    assert admin.call("GET", f"/{created['id']}").json()["data"]["channel"] == created
    personal = create_channel(session, SETTINGS, "wechat_personal", ChannelScope.PERSONAL)
    session.commit()
    for channel_id in ("ch_000000000000000000000000", personal.id):
        response = admin.call("GET", f"/{channel_id}")
        assert response.status_code == 404
        assert response.json()["error"] == "shared_channel_not_found"


def test_patch_renames_reassigns_and_rotates_secrets(admin, session, evolution, agent):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    response = admin.call(
        "PATCH",
        f"/{channel['id']}",
        json={"name": "Renamed", "agent_id": agent.id, "secrets": {"api_key": "rotated-evo-key"}},
    )
    assert response.status_code == 200, response.text
    patched = response.json()["data"]["channel"]
    assert (patched["name"], patched["agent_id"], patched["has_api_key"]) == (
        "Renamed",
        agent.id,
        True,
    )
    assert patched["receives_webhooks"] is True
    row = stored(session, channel["id"])
    assert channel_credentials(SETTINGS, row).secrets["api_key"] == "rotated-evo-key"
    cleared = admin.call("PATCH", f"/{channel['id']}", json={"agent_id": None})
    assert cleared.json()["data"]["channel"]["agent"] is None
    assert audit_actions(session)[-2:] == ["shared_channel.update", "shared_channel.update"]


def test_patch_validates_the_merged_settings(admin, evolution):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    for body in (
        {"config": {"instance": ""}},
        {"secrets": {"api_key": ""}},
        {"agent_id": "agt_missing"},
    ):
        response = admin.call("PATCH", f"/{channel['id']}", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "invalid_body"


def test_connect_registers_the_webhook_and_disconnect_clears_it(admin, session, evolution):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    connected = admin.call("POST", f"/{channel['id']}/connect")
    assert connected.status_code == 200, connected.text
    assert connected.json()["data"]["channel"]["status"] == "connected"
    assert evolution.webhook["url"] == admin.webhook_url(channel["id"])
    assert evolution.webhook["enabled"] is True
    again = admin.call("POST", f"/{channel['id']}/connect")
    assert again.json()["data"]["channel"]["status"] == "connected"
    assert len(evolution.server.requests_to("/webhook/set/main")) == 1
    edit = admin.call("PATCH", f"/{channel['id']}", json={"config": {"instance": "other"}})
    assert edit.status_code == 409
    assert edit.json()["error"] == "disconnect_before_config_change"
    disconnected = admin.call("POST", f"/{channel['id']}/disconnect")
    assert disconnected.json()["data"]["channel"]["status"] == "disconnected"
    assert evolution.webhook["enabled"] is False
    assert audit_actions(session) == [
        "shared_channel.create",
        "shared_channel.connect",
        "shared_channel.reveal_webhook_url",
        "shared_channel.disconnect",
    ]


@pytest.mark.parametrize("action", ["connect", "disconnect", "archive"])
def test_a_provider_failure_is_502_and_leaves_the_row_unchanged(admin, session, evolution, action):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    if action != "connect":
        admin.call("POST", f"/{channel['id']}/connect")
    before = stored(session, channel["id"])
    snapshot = (before.status, before.updated_at, before.config_encrypted, before.secrets_encrypted)
    audits = audit_actions(session)
    evolution.webhook_failures.append(FakeResponse(500, {"error": "boom"}))
    method, path = ("DELETE", "") if action == "archive" else ("POST", f"/{action}")
    response = admin.call(method, f"/{channel['id']}{path}")
    assert response.status_code == 502
    assert response.json()["error"] == "provider_error"
    after = stored(session, channel["id"])
    assert (after.status, after.updated_at, after.config_encrypted, after.secrets_encrypted) == (
        snapshot
    )
    assert audit_actions(session) == audits


def test_an_unreachable_provider_is_502(admin, session, evolution):
    body = evolution_body(evolution)
    body["config"]["base_url"] = "http://127.0.0.1:1"
    channel = admin.create(**body).json()["data"]["channel"]
    response = admin.call("POST", f"/{channel['id']}/connect")
    assert response.status_code == 502
    assert stored(session, channel["id"]).status == "disconnected"


def test_delete_disconnects_then_archives_and_drops_the_secrets(admin, session, evolution):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    admin.call("POST", f"/{channel['id']}/connect")
    response = admin.call("DELETE", f"/{channel['id']}")
    assert response.status_code == 200
    archived = response.json()["data"]["channel"]
    assert archived["status"] == "archived"
    assert (archived["has_api_key"], archived["receives_webhooks"]) == (False, False)
    assert evolution.webhook["enabled"] is False
    assert stored(session, channel["id"]).secrets_encrypted == ""
    assert admin.call("GET", f"/{channel['id']}").status_code == 404
    assert admin.call("DELETE", f"/{channel['id']}").status_code == 404
    assert audit_actions(session)[-1] == "shared_channel.archive"


def test_a_connected_evolution_channel_takes_webhooks_at_the_url_shown(
    admin, client, session, evolution
):
    channel = admin.create(**evolution_body(evolution)).json()["data"]["channel"]
    admin.call("POST", f"/{channel['id']}/connect")
    path = admin.webhook_url(channel["id"]).removeprefix(PUBLIC_URL)
    assert client.post(path, json=upsert_event("hi")).json()["data"]["received"] == 1
    admin.call("POST", f"/{channel['id']}/disconnect")
    assert client.post(path, json=upsert_event("late")).status_code == 404
    assert len(session.exec(select(InboundEvent)).all()) == 1


def test_linq_connect_stores_the_subscription_and_its_secret_write_only(admin, client, session):
    with fake_linq() as linq:
        body = {
            "kind": "linq",
            "name": "iMessage",
            "config": {"from_number": "+15559990000", "base_url": linq.url},
            "secrets": {"api_key": "linq-key"},
        }
        channel = admin.create(**body).json()["data"]["channel"]
        assert channel["has_signing_secret"] is False
        connected = admin.call("POST", f"/{channel['id']}/connect").json()["data"]["channel"]
        subscription = linq.only_subscription()
        url = admin.webhook_url(channel["id"])
        assert subscription["target_url"] == f"{url}?version=2026-02-03"
        assert connected["has_signing_secret"] is True
        assert connected["config"]["webhook_subscription_id"] == subscription["id"]
        listing = admin.call("GET").text + admin.call("GET", f"/{channel['id']}").text
        assert subscription["signing_secret"] not in listing + str(connected)
        delivery = linq.delivery(message_received("hello"))
        path = url.removeprefix(PUBLIC_URL)
        answer = client.post(path, content=delivery.body, headers=delivery.headers)
        assert answer.json()["data"] == {"received": 1, "duplicates": 0}
        disconnected = admin.call("POST", f"/{channel['id']}/disconnect").json()["data"]["channel"]
        assert linq.subscriptions == {}
        assert disconnected["has_signing_secret"] is False
        assert "webhook_subscription_id" not in disconnected["config"]


def test_telegram_connect_uses_the_settings_base_url_and_its_secret_token(
    admin, client, use_settings
):
    with fake_telegram("123456:bot-token") as telegram:
        use_settings(CLAWSCALE_PUBLIC_API_URL=PUBLIC_URL, TELEGRAM_API_BASE_URL=telegram.url)
        body = {"kind": "telegram", "name": "Bot", "secrets": {"bot_token": "123456:bot-token"}}
        channel = admin.create(**body).json()["data"]["channel"]
        connected = admin.call("POST", f"/{channel['id']}/connect").json()["data"]["channel"]
        url = admin.webhook_url(channel["id"])
        assert telegram.webhook_url == url
        assert connected["has_secret_token"] is True
        assert telegram.secret_token not in str(connected)
        path = url.removeprefix(PUBLIC_URL)
        update_body, update_headers = telegram.delivery(message_update("hi"))
        answer = client.post(path, content=update_body, headers=update_headers)
        assert answer.json()["data"]["received"] == 1
        telegram.fail_next(telegram_error(500, "Internal Server Error"))
        assert admin.call("POST", f"/{channel['id']}/disconnect").status_code == 502
        assert telegram.webhook_url == url


def test_gewe_connect_sets_the_callback(admin, use_settings):
    with fake_gewe() as gewe:
        use_settings(CLAWSCALE_PUBLIC_API_URL=PUBLIC_URL, GEWE_API_BASE_URL=gewe.url)
        body = {
            "kind": "wechat_ecloud",
            "name": "WeChat",
            "config": {"app_id": "wx_app_1"},
            "secrets": {"gewe_token": "gewe-token"},
        }
        channel = admin.create(**body).json()["data"]["channel"]
        assert admin.call("POST", f"/{channel['id']}/connect").status_code == 200
        assert gewe.callback_url == admin.webhook_url(channel["id"])


def test_meta_verifies_the_url_while_connect_is_registering_it(
    admin, session, use_settings, api_url
):
    with fake_graph() as graph:
        use_settings(CLAWSCALE_PUBLIC_API_URL=api_url, WHATSAPP_GRAPH_API_BASE_URL=graph.url)
        body = {
            "kind": "whatsapp_business",
            "name": "WhatsApp Business",
            "config": {"phone_number_id": "1098765", "waba_id": "waba-1"},
            "secrets": {
                "access_token": "graph-token",
                "app_secret": "meta-app-secret",
                "verify_token": "meta-verify-token",
            },
        }
        channel = admin.create(**body).json()["data"]["channel"]
        connected = admin.call("POST", f"/{channel['id']}/connect")
        assert connected.status_code == 200, connected.text
        assert graph.override_callback_uri == admin.webhook_url(channel["id"])
        assert connected.json()["data"]["channel"]["status"] == "connected"
        graph.fail_next(graph_error(400, 100))
        assert admin.call("POST", f"/{channel['id']}/disconnect").status_code == 502
        assert admin.call("POST", f"/{channel['id']}/disconnect").status_code == 200
        assert not graph.subscribed


def test_a_web_chat_channel_connects_without_a_provider_and_never_shows_its_token(
    admin, client, session, agent
):
    response = admin.create(
        kind="web_chat",
        name="Website chat",
        agent_id=agent.id,
        config={"allowed_origins": "https://shop.example"},
        secrets={},
    )
    assert response.status_code == 201, response.text
    channel = response.json()["data"]["channel"]
    assert (channel["receives_webhooks"], channel["has_webhook_token"]) == (False, True)
    no_url = admin.call("POST", f"/{channel['id']}{REVEAL}")
    assert no_url.status_code == 409
    assert no_url.json()["error"] == "no_webhook_url"
    token = channel_credentials(SETTINGS, stored(session, channel["id"])).secrets["webhook_token"]
    connected = admin.call("POST", f"/{channel['id']}/connect")
    assert connected.status_code == 200, connected.text
    assert connected.json()["data"]["channel"]["status"] == "connected"
    for answer in (connected, admin.call("GET"), admin.call("GET", f"/{channel['id']}")):
        assert token not in answer.text
    site = {"X-Web-Chat-Site": "https://shop.example"}
    visitor = client.post(f"/api/webchat/{channel['id']}/visitors", headers=site)
    assert visitor.status_code == 201
