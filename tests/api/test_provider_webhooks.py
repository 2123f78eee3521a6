"""`/api/webhooks/{kind}/{channel_id}/{token}` over real HTTP, for every kind, on both databases.

Each kind's deliveries are shaped and authenticated as its provider sends them (see the fakes).
"""

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from clawscale.domain.channels.store import create_channel, update_channel_data
from clawscale.models import (
    Channel,
    ChannelScope,
    ChannelStatus,
    Customer,
    EndUser,
    ExternalIdentity,
    InboundEvent,
)
from clawscale.settings import Settings
from clawscale.workers.dispatcher import Dispatcher
from clawscale.workers.inbound import InboundWorker
from tests.factories import default_agent
from tests.fakes.evolution import fake_evolution, upsert_event
from tests.fakes.gewe import text_callback
from tests.fakes.linq import fake_linq, message_received, signed_body, signed_delivery
from tests.fakes.runtime import fake_runtime
from tests.fakes.telegram import message_update, telegram_delivery
from tests.fakes.whatsapp_business import messages_payload
from tests.fakes.whatsapp_business import signed_delivery as meta_delivery
from tests.passes import run_passes

SETTINGS = Settings(_env_file=None)
TOKEN = "path-token-abc"
SUBSCRIPTION = "sub-123"
SIGNING_SECRET = "linq-signing-secret"
SECRET_TOKEN = "telegram-secret-token"
APP_SECRET = "meta-app-secret"
Sign = Callable[[bytes], tuple[bytes, dict]]


def unsigned(body: bytes) -> tuple[bytes, dict]:
    return body, {"Content-Type": "application/json"}


def linq_signed(body: bytes) -> tuple[bytes, dict]:
    delivery = signed_body(body, SUBSCRIPTION, SIGNING_SECRET)
    return delivery.body, delivery.headers


def telegram_signed(body: bytes) -> tuple[bytes, dict]:
    return body, telegram_delivery({}, SECRET_TOKEN)[1]


def meta_signed(body: bytes) -> tuple[bytes, dict]:
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


@dataclass(frozen=True)
class Kind:
    """One kind: its channel data, a routable payload, an ignored one, and how it is signed."""

    name: str
    config: dict
    secrets: dict
    payload: Callable[[str], dict]
    ignored: dict
    sign: Sign
    sender: str
    identity: str

    def request(self, payload: dict) -> tuple[bytes, dict]:
        return self.sign(json.dumps(payload).encode())


KINDS = {
    "whatsapp_evolution": Kind(
        "whatsapp_evolution",
        {"instance": "main"},
        {"api_key": "evo-key"},
        lambda message_id: upsert_event("hello", number="15550001111", message_id=message_id),
        upsert_event(number="120363040000000000", jid_suffix="@g.us"),
        unsigned,
        "15550001111",
        "15550001111",
    ),
    "wechat_ecloud": Kind(
        "wechat_ecloud",
        {"app_id": "wx_app_1"},
        {"gewe_token": "gewe-token"},
        lambda message_id: text_callback("hello", sender="wxid_alice", new_msg_id=message_id),
        text_callback(own=True),
        unsigned,
        "wxid_alice",
        "wxid_alice",
    ),
    "linq": Kind(
        "linq",
        {"from_number": "+15559990000", "webhook_subscription_id": SUBSCRIPTION},
        {"api_key": "linq-key", "signing_secret": SIGNING_SECRET},
        lambda message_id: message_received("hello", message_id=message_id),
        message_received(is_me=True),
        linq_signed,
        "+15550002222",
        "+15550002222",
    ),
    "telegram": Kind(
        "telegram",
        {},
        {"bot_token": "123:bot", "secret_token": SECRET_TOKEN},
        lambda message_id: message_update("hello", chat_id=4242, message_id=int(message_id)),
        message_update(chat_type="group", chat_id=-100),
        telegram_signed,
        "4242",
        "4242",
    ),
    "whatsapp_business": Kind(
        "whatsapp_business",
        {"phone_number_id": "1098765"},
        {"access_token": "graph-token", "app_secret": APP_SECRET, "verify_token": "verify-me"},
        lambda message_id: messages_payload("hello", sender="15550003333", message_id=message_id),
        messages_payload(phone_number_id="another-number"),
        meta_signed,
        "15550003333",
        "15550003333",
    ),
}
ALL_KINDS = pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())


def shared_channel(session, kind: Kind, status=ChannelStatus.CONNECTED, agent=None) -> Channel:
    channel = create_channel(
        session,
        SETTINGS,
        kind.name,
        ChannelScope.SHARED,
        name=f"Shared {kind.name}",
        status=status,
        config=kind.config,
        secrets={"webhook_token": TOKEN, **kind.secrets},
        owner_agent_id=agent.id if agent else None,
    )
    session.commit()
    return channel


def post(client, kind_name, channel_id, body, headers, token=TOKEN):
    return client.post(
        f"/api/webhooks/{kind_name}/{channel_id}/{token}", content=body, headers=headers
    )


def count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def nothing_stored(session):
    return count(session, InboundEvent) == 0 and count(session, Customer) == 0


@ALL_KINDS
def test_a_delivery_is_stored_before_the_200_and_a_redelivery_goes_nowhere(client, session, kind):
    channel = shared_channel(session, kind)
    body, headers = kind.request(kind.payload("1001"))
    response = post(client, kind.name, channel.id, body, headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "data": {"received": 1, "duplicates": 0}}
    [event] = session.exec(select(InboundEvent)).all()
    assert event.channel_id == channel.id
    assert event.payload["text"] == "hello"
    assert event.status == "parked"
    [end_user] = session.exec(select(EndUser)).all()
    assert end_user.external_id == kind.sender
    [identity] = session.exec(select(ExternalIdentity)).all()
    assert (identity.provider, identity.identity_value) == (kind.name, kind.identity)
    again = post(client, kind.name, channel.id, *kind.request(kind.payload("1001")))
    assert again.status_code == 200
    assert again.json()["data"] == {"received": 0, "duplicates": 1}
    assert count(session, InboundEvent) == 1


@ALL_KINDS
def test_a_wrong_path_token_is_403_and_stores_nothing(client, session, kind):
    channel = shared_channel(session, kind)
    body, headers = kind.request(kind.payload("1002"))
    response = post(client, kind.name, channel.id, body, headers, token="wrong-token")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert TOKEN not in response.text
    assert nothing_stored(session)


def linq_forgeries():
    event = json.dumps(message_received("hello")).encode()
    stale = signed_body(event, SUBSCRIPTION, SIGNING_SECRET, int(time.time()) - 301)
    other_sub = signed_body(event, "sub-other", SIGNING_SECRET)
    forged = signed_body(event, SUBSCRIPTION, "guessed-secret")
    return {
        "stale timestamp": (stale.body, stale.headers),
        "other subscription": (other_sub.body, other_sub.headers),
        "forged signature": (forged.body, forged.headers),
        "unsigned": unsigned(event),
    }


FORGERIES = {
    **{f"linq {name}": ("linq", forgery) for name, forgery in linq_forgeries().items()},
    "telegram wrong secret": (
        "telegram",
        telegram_delivery(message_update(message_id=5), "guessed-secret-token"),
    ),
    "telegram no secret": ("telegram", telegram_delivery(message_update(message_id=5), None)),
    "meta forged": ("whatsapp_business", meta_delivery(messages_payload(), "guessed-secret")),
    "meta unsigned": ("whatsapp_business", unsigned(json.dumps(messages_payload()).encode())),
}


@pytest.mark.parametrize("kind_name, forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_bad_signatures_secrets_and_stale_timestamps_are_403(client, session, kind_name, forgery):
    channel = shared_channel(session, KINDS[kind_name])
    response = post(client, kind_name, channel.id, *forgery)
    assert response.status_code == 403
    for secret in (SIGNING_SECRET, SECRET_TOKEN, APP_SECRET, TOKEN):
        assert secret not in response.text
    assert nothing_stored(session)


@ALL_KINDS
def test_a_verified_body_that_is_not_json_is_400(client, session, kind):
    channel = shared_channel(session, kind)
    response = post(client, kind.name, channel.id, *kind.sign(b"{not json"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"
    assert nothing_stored(session)


@ALL_KINDS
def test_own_group_and_broadcast_messages_are_acknowledged_and_dropped(client, session, kind):
    channel = shared_channel(session, kind)
    response = post(client, kind.name, channel.id, *kind.request(kind.ignored))
    assert response.status_code == 200
    assert response.json()["data"] == {"received": 0, "duplicates": 0}
    assert nothing_stored(session)


def test_unknown_channels_kinds_and_mismatches_are_404(client, session):
    kind = KINDS["whatsapp_evolution"]
    channel = shared_channel(session, kind)
    body, headers = kind.request(kind.payload("1003"))
    for path_kind, channel_id in [
        ("whatsapp_evolution", "ch_000000000000000000000000"),
        ("not_a_kind", channel.id),
        ("linq", channel.id),
        ("wechat_personal", channel.id),
    ]:
        response = post(client, path_kind, channel_id, body, headers)
        assert response.status_code == 404, path_kind
        assert response.json()["error"] == "channel_not_found"
    assert nothing_stored(session)


@pytest.mark.parametrize(
    "status", [ChannelStatus.DISCONNECTED, ChannelStatus.PENDING, ChannelStatus.ARCHIVED]
)
def test_a_channel_that_is_not_connected_is_404(client, session, status):
    kind = KINDS["linq"]
    channel = shared_channel(session, kind, status=status)
    response = post(client, kind.name, channel.id, *kind.request(kind.payload("1004")))
    assert response.status_code == 404
    assert nothing_stored(session)


def test_a_storage_failure_is_503_so_the_provider_retries(client, session, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr("clawscale.domain.inbound.webhooks.store_staged_messages", broken)
    kind = KINDS["whatsapp_evolution"]
    channel = shared_channel(session, kind)
    response = post(client, kind.name, channel.id, *kind.request(kind.payload("1005")))
    assert response.status_code == 503
    assert response.json()["error"] == "storage_unavailable"
    monkeypatch.undo()
    retried = post(client, kind.name, channel.id, *kind.request(kind.payload("1005")))
    assert retried.json()["data"] == {"received": 1, "duplicates": 0}


def test_one_payload_with_several_messages_stores_each_once(client, session):
    kind = KINDS["whatsapp_business"]
    channel = shared_channel(session, kind)
    payload = messages_payload("one", message_id="wamid.a")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"].append({**value["messages"][0], "id": "wamid.b", "text": {"body": "two"}})
    response = post(client, kind.name, channel.id, *kind.request(payload))
    assert response.json()["data"] == {"received": 2, "duplicates": 0}
    assert count(session, Customer) == 1


def challenge(client, channel_id, verify_token="verify-me", token=TOKEN, kind="whatsapp_business"):
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": "8842"}
    return client.get(f"/api/webhooks/{kind}/{channel_id}/{token}", params=params)


def test_meta_s_challenge_is_echoed_for_the_verify_token(client, session):
    channel = shared_channel(session, KINDS["whatsapp_business"])
    answer = challenge(client, channel.id)
    assert answer.status_code == 200
    assert answer.text == "8842"
    assert challenge(client, channel.id, verify_token="guess").status_code == 403
    assert challenge(client, channel.id, token="wrong").status_code == 403


def test_the_challenge_is_answered_while_connecting_but_not_once_archived(client, session):
    pending = shared_channel(session, KINDS["whatsapp_business"], status=ChannelStatus.DISCONNECTED)
    assert challenge(client, pending.id).text == "8842"
    archived = shared_channel(session, KINDS["whatsapp_business"], status=ChannelStatus.ARCHIVED)
    assert challenge(client, archived.id).status_code == 404


def test_kinds_without_a_challenge_refuse_get(client, session):
    channel = shared_channel(session, KINDS["linq"])
    assert challenge(client, channel.id, kind="linq").status_code == 405


# End to end: provider webhook -> stored event -> runtime -> reply -> provider send.


@pytest.fixture
def runtime():
    with fake_runtime() as fake:
        yield fake


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.0)


def with_base_url(kind: Kind, url: str) -> Kind:
    return replace(kind, config={**kind.config, "base_url": url})


def deliver_and_reply(db, client, session, runtime, kind, channel, payload):
    runtime.replies.append({"reply": "Hi there!"})
    response = post(client, kind.name, channel.id, *kind.request(payload))
    assert response.json()["data"] == {"received": 1, "duplicates": 0}
    run_passes(db, InboundWorker, settings=SETTINGS)
    run_passes(db, InboundWorker, settings=SETTINGS)
    assert runtime.texts() == ["hello"]
    assert runtime.messages[0]["metadata"]["platform"] == kind.name
    run_passes(db, Dispatcher, settings=SETTINGS)


def test_evolution_end_to_end(db, client, session, runtime):
    with fake_evolution() as evolution:
        agent = default_agent(session, runtime.endpoint)
        kind = with_base_url(KINDS["whatsapp_evolution"], evolution.url)
        channel = shared_channel(session, kind, agent=agent)
        deliver_and_reply(db, client, session, runtime, kind, channel, kind.payload("E2E1"))
        assert evolution.sent == [("sendText", {"number": "15550001111", "text": "Hi there!"})]


def test_linq_end_to_end(db, client, session, runtime):
    with fake_linq() as linq:
        agent = default_agent(session, runtime.endpoint)
        kind = with_base_url(KINDS["linq"], linq.url)
        channel = shared_channel(session, kind, agent=agent)
        event = message_received("hello", sender="+1 (555) 000-2222")
        deliver_and_reply(db, client, session, runtime, kind, channel, event)
        assert linq.chats == [
            {
                "from": "+15559990000",
                "to": ["+15550002222"],
                "message": {"parts": [{"type": "text", "value": "Hi there!"}]},
            }
        ]
        replayed = signed_delivery(event, SUBSCRIPTION, SIGNING_SECRET)
        again = post(client, "linq", channel.id, replayed.body, replayed.headers)
        assert again.json()["data"] == {"received": 0, "duplicates": 1}
        run_passes(db, InboundWorker, settings=SETTINGS)
        assert len(runtime.messages) == 1


def test_one_delivery_sent_ten_times_at_once_is_stored_once(client, session, api_url):
    kind = KINDS["linq"]
    channel = shared_channel(session, kind)
    body, headers = kind.request(kind.payload("same-message"))
    url = f"{api_url}/api/webhooks/linq/{channel.id}/{TOKEN}"

    async def all_at_once():
        async with httpx.AsyncClient(timeout=30) as http:
            return await asyncio.gather(
                *(http.post(url, content=body, headers=headers) for _ in range(10))
            )

    answers = asyncio.run(all_at_once())
    assert [answer.status_code for answer in answers] == [200] * 10
    assert sum(answer.json()["data"]["received"] for answer in answers) == 1
    assert count(session, InboundEvent) == 1
    assert count(session, Customer) == 1


def test_a_known_channel_follows_its_row_at_once(client, session):
    """The webhook keeps a channel's credentials between requests (`channel_cache`): a
    disconnect, a rotated path token and a reconnect each count from the next request."""
    kind = KINDS["whatsapp_evolution"]
    channel = shared_channel(session, kind)
    assert post(client, kind.name, channel.id, *kind.request(kind.payload("2001"))).is_success
    channel.status = ChannelStatus.DISCONNECTED
    session.add(channel)
    session.commit()
    response = post(client, kind.name, channel.id, *kind.request(kind.payload("2002")))
    assert response.status_code == 404
    channel.status = ChannelStatus.CONNECTED
    update_channel_data(session, SETTINGS, channel, secrets={"webhook_token": "rotated-token"})
    session.add(channel)
    session.commit()
    stale = post(client, kind.name, channel.id, *kind.request(kind.payload("2003")))
    assert stale.status_code == 403
    fresh = post(
        client,
        kind.name,
        channel.id,
        *kind.request(kind.payload("2004")),
        token="rotated-token",
    )
    assert fresh.json()["data"] == {"received": 1, "duplicates": 0}
    assert count(session, InboundEvent) == 2


def test_a_cached_channel_is_checked_before_a_request_it_fails_is_refused(client, session):
    """The webhook uses the cached channel until the lookup of its messages confirms it; a
    request the cached channel would refuse is judged on the channel as stored: a token rotated
    since is accepted at once, and a disconnect is a 404 whatever the body."""
    kind = KINDS["whatsapp_evolution"]
    channel = shared_channel(session, kind)
    assert post(client, kind.name, channel.id, *kind.request(kind.payload("3001"))).is_success
    update_channel_data(session, SETTINGS, channel, secrets={"webhook_token": "rotated-token"})
    session.add(channel)
    session.commit()
    rotated = post(
        client, kind.name, channel.id, *kind.request(kind.payload("3002")), token="rotated-token"
    )
    assert rotated.json()["data"] == {"received": 1, "duplicates": 0}
    channel.status = ChannelStatus.DISCONNECTED
    session.add(channel)
    session.commit()
    garbled = post(client, kind.name, channel.id, *kind.sign(b"{not json"), token="rotated-token")
    assert garbled.status_code == 404
    assert garbled.json()["error"] == "channel_not_found"
    assert count(session, InboundEvent) == 2
