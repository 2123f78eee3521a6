"""`/api/customer/channels/wechat-personal` over real HTTP against a fake iLink, on both
databases: the lifecycle, the QR login, the contract's codes, ownership, and no token ever out."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from clawscale.domain.channels.store import channel_credentials
from clawscale.models import Channel, ChannelScope, ChannelStatus
from tests.channels.wechat import SETTINGS, signed_in_customer
from tests.fakes.ilink import fake_ilink

BASE = "/api/customer/channels/wechat-personal"
UNIQUE_LIVE_INDEX = "uq_channel_live_personal"


@pytest.fixture
def ilink():
    with fake_ilink(hold_seconds=0.3) as fake:
        yield fake


@pytest.fixture
def settings(use_settings, ilink):
    return use_settings(WECHAT_ILINK_BASE_URL=ilink.url, DOMAIN_CLIENT="http://app.example.test")


@pytest.fixture
def ada(session):
    return signed_in_customer(session)


class Calls:
    """Calls the API as one customer and keeps every answer, to check none leaks a token."""

    def __init__(self, client, headers):
        self.client = client
        self.headers = headers
        self.answers = []

    def __call__(self, method, path="", **kwargs):
        response = self.client.request(method, BASE + path, headers=self.headers, **kwargs)
        self.answers.append(response)
        return response

    def data(self, method, path="", expected=200, **kwargs):
        response = self(method, path, **kwargs)
        assert response.status_code == expected, response.text
        body = response.json()
        assert body["ok"] is True
        return body["data"]

    def error(self, method, path, status, code):
        response = self(method, path)
        assert response.status_code == status, response.text
        assert response.json()["ok"] is False
        assert response.json()["error"] == code

    def follow(self, wait=0.2):
        return self.data("GET", "/connect/status", params={"wait": wait})

    def texts(self):
        return "\n".join(response.text for response in self.answers)


@pytest.fixture
def api(client, settings, ada):
    return Calls(client, ada.headers)


def stored_channel(session, channel_id):
    session.expire_all()
    return session.get(Channel, channel_id)


def connect_and_confirm(api, ilink):
    started = api.data("POST", "/connect")
    ilink.scan()
    assert api.follow()["login_status"] == "scaned"
    bot = ilink.confirm(ilink_bot_id="bot-1@im.bot", ilink_user_id="wxid_ada")
    return started, api.follow(), bot


def test_no_channel_reads_as_missing(api):
    data = api.data("GET", "/status")
    assert data["status"] == "missing"
    assert data["channel_id"] is None


def test_create_is_idempotent_and_makes_one_pending_channel(api, session, ada):
    first = api.data("POST")
    again = api.data("POST")
    assert first["status"] == "pending"
    assert again["channel_id"] == first["channel_id"]
    assert api.data("GET", "/status")["channel_id"] == first["channel_id"]
    channels = session.exec(select(Channel)).all()
    assert [(c.kind, c.scope, c.owner_customer_id) for c in channels] == [
        ("wechat_personal", ChannelScope.PERSONAL, ada.customer.id)
    ]


def test_connect_answers_a_server_rendered_qr_code_and_the_page(api, ilink):
    data = api.data("POST", "/connect")
    login = ilink.last_qrcode()
    assert data["status"] == "pending"
    assert data["channel_id"].startswith("ch_")
    assert data["login_status"] == "wait"
    assert data["qr_url"] == login.content
    assert data["qr"].startswith("data:image/svg+xml")
    assert data["connect_url"] == "http://app.example.test/channels/wechat-personal"
    assert api.data("GET", "/status")["qr_url"] == login.content


def test_the_scan_is_followed_to_a_connected_account(api, ilink, session):
    started, connected, bot = connect_and_confirm(api, ilink)
    assert connected["status"] == "connected"
    assert connected["login_status"] == "confirmed"
    assert connected["ilink_bot_id"] == "bot-1@im.bot"
    assert connected["ilink_user_id"] == "wxid_ada"
    assert connected["qr"] is None and connected["qr_url"] is None
    assert api.data("GET", "/status")["status"] == "connected"
    row = stored_channel(session, started["channel_id"])
    credentials = channel_credentials(SETTINGS, row)
    assert credentials.secrets == {"bot_token": bot.bot_token}
    assert credentials.config["baseurl"] == ilink.url
    assert bot.bot_token not in row.secrets_encrypted + row.config_encrypted
    assert bot.bot_token not in api.texts()
    assert ilink.header_problems == []


def test_the_status_poll_waits_while_nobody_scans(api, ilink):
    api.data("POST", "/connect")
    assert api.follow(wait=0.1)["login_status"] == "wait"
    assert api.follow(wait=1.0)["login_status"] == "wait"
    assert api.data("GET", "/status")["status"] == "pending"


def test_an_expired_code_is_replaced_by_a_new_one(api, ilink):
    first = api.data("POST", "/connect")
    ilink.expire()
    expired = api.follow()
    assert expired["status"] == "pending"
    assert expired["login_status"] == "expired"
    assert expired["qr"] is None
    second = api.data("POST", "/connect")
    assert second["channel_id"] == first["channel_id"]
    assert second["qr_url"] != first["qr_url"]
    ilink.confirm()
    assert api.follow()["status"] == "connected"


def test_an_answer_about_an_older_code_changes_nothing(api, ilink):
    api.data("POST", "/connect")
    old = ilink.last_qrcode().qrcode
    api.data("POST", "/connect")
    ilink.confirm(old)
    assert api.follow()["status"] == "pending"


def test_connect_while_connected_is_a_conflict(api, ilink):
    connect_and_confirm(api, ilink)
    api.error("POST", "/connect", 409, "channel_already_connected")


def test_disconnect_clears_credentials_and_is_idempotent(api, ilink, session):
    started, _, bot = connect_and_confirm(api, ilink)
    first = api.data("POST", "/disconnect")
    again = api.data("POST", "/disconnect")
    assert first["status"] == again["status"] == "disconnected"
    row = stored_channel(session, started["channel_id"])
    assert row.status == ChannelStatus.DISCONNECTED
    assert channel_credentials(SETTINGS, row).secrets.get("bot_token") == ""
    assert row.lease_owner is None
    assert bot.bot_token not in api.texts()


def test_disconnect_before_archive_while_pending_or_connected(api, ilink):
    api.data("POST")
    api.error("DELETE", "", 409, "disconnect_before_archive")
    connect_and_confirm(api, ilink)
    api.error("DELETE", "", 409, "disconnect_before_archive")


def test_delete_archives_once_disconnected_and_is_idempotent(api, ilink, session):
    started, _, _ = connect_and_confirm(api, ilink)
    api.data("POST", "/disconnect")
    assert api.data("DELETE")["status"] == "archived"
    assert api.data("DELETE")["status"] == "archived"
    assert api.data("GET", "/status")["status"] == "missing"
    row = stored_channel(session, started["channel_id"])
    assert row.status == ChannelStatus.ARCHIVED
    assert channel_credentials(SETTINGS, row).secrets.get("bot_token") == ""
    assert api.data("POST")["channel_id"] != started["channel_id"]


def test_a_channel_in_error_can_log_in_again_or_be_deleted(api, ilink, session):
    started, _, _ = connect_and_confirm(api, ilink)
    row = stored_channel(session, started["channel_id"])
    row.status = ChannelStatus.ERROR
    row.last_error = "session_expired"
    session.add(row)
    session.commit()
    status = api.data("GET", "/status")
    assert (status["status"], status["last_error"]) == ("error", "session_expired")
    assert api.data("POST", "/connect")["status"] == "pending"
    ilink.confirm()
    assert api.follow()["status"] == "connected"
    assert api.data("GET", "/status")["last_error"] is None


def test_disconnect_without_a_channel_is_not_found(api):
    api.error("POST", "/disconnect", 404, "channel_not_found")


def test_connect_needs_current_access(client, session, use_settings, ilink):
    use_settings(
        WECHAT_ILINK_BASE_URL=ilink.url, STRIPE_SECRET_KEY="sk_test", STRIPE_PRICE_ID="price_1"
    )
    lapsed = signed_in_customer(session, age=timedelta(days=45))
    api = Calls(client, lapsed.headers)
    api.error("POST", "/connect", 402, "subscription_required")
    assert ilink.logins == {}
    assert api.data("GET", "/status")["status"] == "missing"
    current = Calls(client, signed_in_customer(session, name="Bo").headers)
    assert current.data("POST", "/connect")["status"] == "pending"


def test_a_suspended_account_cannot_connect(client, session, settings, ada):
    ada.customer.suspended = True
    session.add(ada.customer)
    session.commit()
    Calls(client, ada.headers).error("POST", "/connect", 403, "account_suspended")


def test_an_unverified_identity_is_refused_everywhere(client, session, settings):
    api = Calls(client, signed_in_customer(session, verified=False).headers)
    for method, path in [
        ("GET", "/status"),
        ("POST", ""),
        ("POST", "/connect"),
        ("GET", "/connect/status"),
        ("POST", "/disconnect"),
        ("DELETE", ""),
    ]:
        api.error(method, path, 403, "identity_not_active")
    assert session.exec(select(Channel)).all() == []


def test_without_a_session_every_route_is_unauthorized(client, settings):
    api = Calls(client, {})
    api.error("GET", "/status", 401, "unauthorized")
    api.error("POST", "/connect", 401, "unauthorized")


def test_another_customer_never_sees_or_touches_the_channel(api, client, session, ilink):
    started, _, bot = connect_and_confirm(api, ilink)
    other = Calls(client, signed_in_customer(session, name="Eve").headers)
    assert other.data("GET", "/status")["status"] == "missing"
    other.error("POST", "/disconnect", 404, "channel_not_found")
    assert other.data("DELETE")["status"] == "archived"
    assert other.follow()["status"] == "missing"
    mine = other.data("POST")
    assert mine["channel_id"] != started["channel_id"]
    assert api.data("GET", "/status")["status"] == "connected"
    assert stored_channel(session, started["channel_id"]).status == ChannelStatus.CONNECTED
    assert bot.bot_token not in other.texts()


def test_ilink_down_answers_bad_gateway(client, use_settings, ada):
    use_settings(WECHAT_ILINK_BASE_URL="http://127.0.0.1:9")
    Calls(client, ada.headers).error("POST", "/connect", 502, "ilink_unavailable")


def test_a_wait_out_of_range_is_refused(api):
    response = api("GET", "/connect/status", params={"wait": 600})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"


@pytest.fixture
def without_unique_live_index(engine):
    """Drop the unique index for one test, to see how a violation would be answered."""
    index = next(i for i in Channel.__table__.indexes if i.name == UNIQUE_LIVE_INDEX)
    with engine.begin() as connection:
        index.drop(connection)
    yield
    with engine.begin() as connection:
        connection.execute(sa.delete(Channel))
        index.create(connection)


def test_duplicate_live_rows_are_reported(without_unique_live_index, api, session, ada):
    for _ in range(2):
        session.add(
            Channel(kind="wechat_personal", owner_customer_id=ada.customer.id, name="WeChat")
        )
    session.commit()
    api.error("GET", "/status", 409, "duplicate_personal_channel_rows")
    api.error("POST", "", 409, "duplicate_personal_channel_rows")
