"""`whatsapp_business` (Meta Cloud API): the GET challenge, signed POSTs, parsing and sends."""

import pytest

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.webhooks import ProviderError, WebhookRejected
from clawscale.channels.whatsapp_business.adapter import WhatsAppBusinessAdapter
from tests.channels.support import credentials, run, webhook
from tests.fakes.http_server import FakeResponse
from tests.fakes.whatsapp_business import (
    fake_graph,
    graph_error,
    messages_payload,
    signed_delivery,
    status_payload,
)

ADAPTER = WhatsAppBusinessAdapter(default_base_url="http://unused.invalid")
APP_SECRET = "meta-app-secret"


@pytest.fixture
def graph():
    with fake_graph() as fake:
        yield fake


def creds(base_url="http://unused.invalid", access_token="graph-token", **config):
    return credentials(
        "whatsapp_business",
        {"phone_number_id": "1098765", "base_url": base_url, **config},
        {"access_token": access_token, "app_secret": APP_SECRET, "verify_token": "verify-me"},
    )


def challenge(mode="subscribe", token="verify-me"):
    query = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
    return webhook(b"", query=query, method="GET")


def test_the_challenge_is_echoed_for_our_verify_token():
    assert ADAPTER.answer_challenge(creds(), challenge()) == "1158201444"


@pytest.mark.parametrize("request_", [challenge(token="guess"), challenge(mode="unsubscribe")])
def test_a_wrong_challenge_is_rejected(request_):
    with pytest.raises(WebhookRejected):
        ADAPTER.answer_challenge(creds(), request_)


def test_a_post_signed_with_the_app_secret_passes():
    body, headers = signed_delivery(messages_payload(), APP_SECRET)
    ADAPTER.verify_request(creds(), webhook(body, headers))


def test_a_wrong_missing_or_tampered_signature_is_rejected():
    body, headers = signed_delivery(messages_payload("hello"), APP_SECRET)
    _, forged = signed_delivery(messages_payload("hello"), "another-secret")
    cases = [
        webhook(body, forged),
        webhook(body, {}),
        webhook(body, {"X-Hub-Signature-256": headers["X-Hub-Signature-256"][7:]}),
        webhook(body.replace(b"hello", b"hullo"), headers),
    ]
    for request in cases:
        with pytest.raises(WebhookRejected):
            ADAPTER.verify_request(creds(), request)


def test_a_text_message_is_routed_with_the_contact_name():
    payload = messages_payload("hi", sender="15550003333", message_id="wamid.1")
    [message] = ADAPTER.parse_inbound(creds(), payload)
    assert (message.provider_message_id, message.sender_id) == ("wamid.1", "15550003333")
    assert (message.sender_name, message.text) == ("Ada", "hi")


def test_media_and_button_replies_are_read():
    image = {"type": "image", "image": {"id": "media-1", "mime_type": "image/jpeg", "caption": "c"}}
    [photo] = ADAPTER.parse_inbound(creds(), messages_payload(message=image))
    assert photo.text == "c"
    assert photo.attachments == (
        {"type": "image", "media_id": "media-1", "contentType": "image/jpeg"},
    )
    button = {"type": "interactive", "interactive": {"button_reply": {"id": "b1", "title": "Yes"}}}
    [reply] = ADAPTER.parse_inbound(creds(), messages_payload(message=button))
    assert reply.text == "Yes"


IGNORED = {
    "delivery status": status_payload(),
    "another number": messages_payload(phone_number_id="5555"),
    "reaction": messages_payload(message={"type": "reaction", "reaction": {"emoji": "👍"}}),
    "other object": {**messages_payload(), "object": "page"},
    "not an object": [messages_payload()],
}


@pytest.mark.parametrize("payload", IGNORED.values(), ids=IGNORED.keys())
def test_statuses_other_numbers_and_other_objects_are_ignored(payload):
    assert ADAPTER.parse_inbound(creds(), payload) == []


def send(graph, message, access_token="graph-token"):
    target = SendTarget("15550003333")
    return run(
        lambda client: ADAPTER.send(client, creds(graph.url, access_token), target, message, "k")
    )


def test_text_image_and_voice_use_the_messages_endpoint(graph):
    assert send(graph, OutboundMessage(MessageType.TEXT, "hi")).startswith("wamid.")
    send(graph, OutboundMessage(MessageType.IMAGE, "look", ("https://cdn.example/a.png",)))
    send(graph, OutboundMessage(MessageType.VOICE, "", ("https://cdn.example/v.ogg",)))
    envelope = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15550003333",
    }
    assert graph.sent == [
        {**envelope, "type": "text", "text": {"body": "hi", "preview_url": False}},
        {
            **envelope,
            "type": "image",
            "image": {"link": "https://cdn.example/a.png", "caption": "look"},
        },
        {**envelope, "type": "audio", "audio": {"link": "https://cdn.example/v.ogg"}},
    ]
    assert graph.server.requests[0].headers["authorization"] == "Bearer graph-token"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (graph_error(429, 4, "Application request limit reached"), TransientSendError),
        (graph_error(400, 131056, "Pair rate limit hit"), TransientSendError),
        (graph_error(500, 1, "An unknown error occurred"), TransientSendError),
        (graph_error(400, 131026, "Message undeliverable"), PermanentSendError),
        (FakeResponse(400, {"error": "not the graph shape"}), PermanentSendError),
    ],
)
def test_send_failures_are_classified(graph, answer, error):
    graph.fail_next(answer)
    with pytest.raises(error):
        send(graph, OutboundMessage(MessageType.TEXT, "hi"))


def test_an_expired_token_is_permanent(graph):
    with pytest.raises(PermanentSendError, match="190"):
        send(graph, OutboundMessage(MessageType.TEXT, "hi"), access_token="expired")


def test_without_a_business_account_id_connect_calls_nothing(graph):
    run(lambda client: ADAPTER.connect(client, creds(graph.url), "https://x/y"))
    run(lambda client: ADAPTER.disconnect(client, creds(graph.url), "https://x/y"))
    assert graph.server.requests == []


def test_a_refused_subscription_is_a_provider_error(graph):
    graph.fail_next(graph_error(400, 100, "Invalid parameter"))
    with pytest.raises(ProviderError, match="400"):
        run(
            lambda client: ADAPTER.connect(
                client, creds(graph.url, waba_id="waba-1"), "https://x/y"
            )
        )
    assert not graph.subscribed
