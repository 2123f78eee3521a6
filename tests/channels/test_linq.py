"""`linq`: signed webhook checks in order, event parsing, chats, and the subscription."""

import time

import pytest

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.linq.adapter import LinqAdapter
from clawscale.channels.webhooks import ProviderError, WebhookRejected
from tests.channels.support import credentials, run, webhook
from tests.fakes.http_server import FakeResponse
from tests.fakes.linq import fake_linq, message_received

ADAPTER = LinqAdapter(default_base_url="http://unused.invalid")
URL = "https://gateway.example/api/webhooks/linq/ch_1/tok"


@pytest.fixture
def linq():
    with fake_linq() as fake:
        yield fake


@pytest.fixture
def subscribed(linq):
    """The fake with one subscription, and the credentials connect stored for it."""
    update = run(lambda client: ADAPTER.connect(client, creds(linq.url), URL))
    return creds(linq.url, extra_config=update.config, extra_secrets=update.secrets)


def creds(base_url="http://unused.invalid", api_key="linq-key", extra_config=(), extra_secrets=()):
    config = {"from_number": "+15559990000", "base_url": base_url, **dict(extra_config)}
    return credentials("linq", config, {"api_key": api_key, **dict(extra_secrets)})


def as_request(delivery, **header_overrides):
    return webhook(delivery.body, {**delivery.headers, **header_overrides})


def test_a_delivery_signed_by_linq_passes(linq, subscribed):
    ADAPTER.verify_request(subscribed, as_request(linq.delivery(message_received())))


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("X-Webhook-Subscription-ID", "another-subscription", "subscription id"),
        ("X-Webhook-Subscription-ID", "", "subscription id"),
        ("X-Webhook-Signature", "0" * 64, "signature"),
        ("X-Webhook-Signature", "", "signature"),
    ],
)
def test_a_wrong_subscription_or_signature_is_rejected(linq, subscribed, header, value, reason):
    request = as_request(linq.delivery(message_received()), **{header: value})
    with pytest.raises(WebhookRejected, match=reason):
        ADAPTER.verify_request(subscribed, request)


def test_the_subscription_is_checked_before_the_signature(linq, subscribed):
    request = as_request(
        linq.delivery(message_received()),
        **{"X-Webhook-Subscription-ID": "other", "X-Webhook-Signature": "bad"},
    )
    with pytest.raises(WebhookRejected, match="subscription id"):
        ADAPTER.verify_request(subscribed, request)


def test_a_tampered_body_or_another_secret_is_rejected(linq, subscribed):
    delivery = linq.delivery(message_received("pay me"))
    tampered = webhook(delivery.body.replace(b"pay me", b"pay us"), delivery.headers)
    with pytest.raises(WebhookRejected, match="signature"):
        ADAPTER.verify_request(subscribed, tampered)
    forged = linq.delivery(message_received(), secret="guessed-secret")
    with pytest.raises(WebhookRejected, match="signature"):
        ADAPTER.verify_request(subscribed, as_request(forged))


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_stale_or_future_timestamp_is_rejected_even_when_signed(linq, subscribed, offset):
    delivery = linq.delivery(message_received(), timestamp=int(time.time()) + offset)
    with pytest.raises(WebhookRejected, match="replay window"):
        ADAPTER.verify_request(subscribed, as_request(delivery))


def test_a_timestamp_near_the_edge_of_the_window_passes(linq, subscribed):
    delivery = linq.delivery(message_received(), timestamp=int(time.time()) - 290)
    ADAPTER.verify_request(subscribed, as_request(delivery))


def test_without_a_subscription_nothing_passes(linq):
    with pytest.raises(WebhookRejected):
        ADAPTER.verify_request(creds(linq.url), webhook(b"{}", {}))


def test_a_received_message_is_routed_by_the_normalised_phone_number():
    [message] = ADAPTER.parse_inbound(creds(), message_received("hi", message_id="msg-1"))
    assert (message.provider_message_id, message.sender_id) == ("msg-1", "+15550002222")
    assert (message.sender_name, message.text) == ("+1 (555) 000-2222", "hi")


def test_media_parts_become_attachments():
    parts = [
        {"type": "text", "value": "see"},
        {"type": "media", "url": "https://cdn.linq/a.jpg", "mime_type": "image/jpeg"},
    ]
    [message] = ADAPTER.parse_inbound(creds(), message_received(parts=parts))
    assert message.text == "see"
    assert message.attachments == (
        {"type": "media", "url": "https://cdn.linq/a.jpg", "contentType": "image/jpeg"},
    )


def test_the_earlier_payload_version_is_read_too():
    event = {
        "api_version": "v3",
        "event_id": "evt-1",
        "event_type": "message.received",
        "data": {
            "chat_id": "chat-1",
            "from": "+15550004444",
            "recipient_phone": "+15559990000",
            "is_from_me": False,
            "service": "SMS",
            "message": {"id": "msg-old", "parts": [{"type": "text", "value": "old"}]},
        },
    }
    [message] = ADAPTER.parse_inbound(creds(), event)
    assert (message.provider_message_id, message.sender_id, message.text) == (
        "msg-old",
        "+15550004444",
        "old",
    )


IGNORED = {
    "own message": message_received(is_me=True),
    "outbound": message_received(direction="outbound"),
    "group chat": message_received(is_group=True),
    "email handle": message_received(sender="ada@example.com"),
    "other event": {**message_received(), "event_type": "message.delivered"},
    "no content": message_received(parts=[]),
    "not an object": "message.received",
}


@pytest.mark.parametrize("payload", IGNORED.values(), ids=IGNORED.keys())
def test_own_group_and_other_events_are_ignored(payload):
    assert ADAPTER.parse_inbound(creds(), payload) == []


def send(linq, message, api_key="linq-key"):
    target = SendTarget("+15550002222")
    return run(
        lambda client: ADAPTER.send(client, creds(linq.url, api_key), target, message, "idem")
    )


def test_a_reply_creates_a_chat_from_our_number(linq):
    message_id = send(linq, OutboundMessage(MessageType.TEXT, "hello"))
    assert message_id
    assert linq.chats == [
        {
            "from": "+15559990000",
            "to": ["+15550002222"],
            "message": {"parts": [{"type": "text", "value": "hello"}]},
        }
    ]


def test_media_goes_natively_as_media_parts(linq):
    send(linq, OutboundMessage(MessageType.IMAGE, "look", ("https://cdn.example/a.png",)))
    assert linq.chats[0]["message"]["parts"] == [
        {"type": "text", "value": "look"},
        {"type": "media", "url": "https://cdn.example/a.png"},
    ]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (FakeResponse(429, headers={"Retry-After": "5"}), TransientSendError),
        (FakeResponse(500), TransientSendError),
        (FakeResponse(422, {"error": {"message": "invalid phone"}}), PermanentSendError),
    ],
)
def test_send_failures_are_classified(linq, answer, error):
    linq.fail_next(answer)
    with pytest.raises(error):
        send(linq, OutboundMessage(MessageType.TEXT, "hello"))


def test_connect_subscribes_to_received_messages_for_our_number(linq, subscribed):
    subscription = linq.only_subscription()
    assert subscription["target_url"] == f"{URL}?version=2026-02-03"
    assert subscription["subscribed_events"] == ["message.received"]
    assert subscription["phone_numbers"] == ["+15559990000"]
    assert subscribed.config["webhook_subscription_id"] == subscription["id"]
    assert subscribed.secrets["signing_secret"] == subscription["signing_secret"]


def test_disconnect_deletes_the_subscription_and_forgets_its_secret(linq, subscribed):
    update = run(lambda client: ADAPTER.disconnect(client, subscribed, URL))
    assert linq.subscriptions == {}
    assert update.config == {"webhook_subscription_id": ""}
    assert update.secrets == {"signing_secret": ""}
    run(lambda client: ADAPTER.disconnect(client, subscribed, URL))


def test_refused_subscription_calls_are_provider_errors(linq):
    linq.fail_next(FakeResponse(500))
    with pytest.raises(ProviderError, match="500"):
        run(lambda client: ADAPTER.connect(client, creds(linq.url), URL))
    linq.fail_next(FakeResponse(201, {"id": "sub-without-secret"}))
    with pytest.raises(ProviderError, match="signing secret"):
        run(lambda client: ADAPTER.connect(client, creds(linq.url), URL))
    with pytest.raises(ProviderError, match="401"):
        run(lambda client: ADAPTER.connect(client, creds(linq.url, api_key="bad"), URL))
