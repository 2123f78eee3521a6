"""`whatsapp_evolution`: upsert parsing, the path token, sends and the instance webhook."""

import pytest

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.webhooks import ProviderError, WebhookRejected, verify_path_token
from clawscale.channels.whatsapp_evolution.adapter import EvolutionAdapter
from tests.channels.support import closed_port_url, credentials, run, webhook
from tests.fakes.evolution import fake_evolution, upsert_event
from tests.fakes.http_server import FakeResponse

ADAPTER = EvolutionAdapter(default_base_url="http://unused.invalid")


@pytest.fixture
def evolution():
    with fake_evolution() as fake:
        yield fake


def creds(base_url="http://unused.invalid", api_key="evo-key"):
    return credentials(
        "whatsapp_evolution", {"instance": "main", "base_url": base_url}, {"api_key": api_key}
    )


def parse(payload):
    return ADAPTER.parse_inbound(creds(), payload)


def test_a_text_message_is_routed_with_the_number_name_and_id():
    [message] = parse(upsert_event("hello", number="5511987654321", message_id="3EB0ABC"))
    assert message.provider_message_id == "3EB0ABC"
    assert message.sender_id == "5511987654321"
    assert message.sender_name == "Ada"
    assert message.text == "hello"


def test_extended_text_and_captioned_images_are_read():
    [extended] = parse(upsert_event(message={"extendedTextMessage": {"text": "a link"}}))
    assert extended.text == "a link"
    image = {"imageMessage": {"caption": "look", "mimetype": "image/jpeg", "url": "enc"}}
    [captioned] = parse(upsert_event(message=image))
    assert captioned.text == "look"
    assert captioned.attachments == ({"type": "image", "contentType": "image/jpeg"},)


def test_a_photo_keeps_its_url_name_type_and_size():
    media = {
        "caption": "",
        "mimetype": "image/png",
        "url": "https://mmg.whatsapp.net/o1/v/t62/abc.enc",
        "fileLength": "2048",
        "fileName": "cat.png",
    }
    event = upsert_event(message={"imageMessage": media, "mediaUrl": "https://s3.example/cat.png"})
    [photo] = parse(event)
    assert photo.attachments == (
        {
            "type": "image",
            "url": "https://s3.example/cat.png",
            "filename": "cat.png",
            "contentType": "image/png",
            "size": 2048,
        },
    )
    [without_store] = parse(upsert_event(message={"imageMessage": media}))
    assert without_store.attachments[0]["url"] == "https://mmg.whatsapp.net/o1/v/t62/abc.enc"


IGNORED = {
    "own message": upsert_event(from_me=True),
    "group": upsert_event(number="120363040000000000", jid_suffix="@g.us"),
    "status broadcast": upsert_event(number="status", jid_suffix="@broadcast"),
    "broadcast list": upsert_event(number="1234567", jid_suffix="@broadcast"),
    "newsletter": upsert_event(number="1203630", jid_suffix="@newsletter"),
    "lid without phone": upsert_event(number="987654321", jid_suffix="@lid"),
    "reaction": upsert_event(message={"reactionMessage": {"text": "👍"}}),
    "other event": {**upsert_event(), "event": "connection.update"},
    "not an object": ["messages.upsert"],
}


@pytest.mark.parametrize("payload", IGNORED.values(), ids=IGNORED.keys())
def test_own_group_broadcast_and_other_events_are_ignored(payload):
    assert parse(payload) == []


def test_a_lid_sender_is_routed_by_the_phone_jid_evolution_adds():
    event = upsert_event(number="987654321", jid_suffix="@lid")
    event["data"]["key"]["senderPn"] = "15550001111@s.whatsapp.net"
    [message] = parse(event)
    assert message.sender_id == "15550001111"


def test_the_uppercase_event_name_and_a_list_of_messages_are_accepted():
    first, second = upsert_event("one"), upsert_event("two")
    payload = {"event": "MESSAGES_UPSERT", "data": [first["data"], second["data"]]}
    assert [message.text for message in parse(payload)] == ["one", "two"]


def test_the_path_token_is_the_only_proof_and_must_match():
    ADAPTER.verify_request(creds(), webhook())
    verify_path_token(creds(), webhook())
    with pytest.raises(WebhookRejected):
        verify_path_token(creds(), webhook(token="wrong"))
    with pytest.raises(WebhookRejected):
        verify_path_token(credentials("whatsapp_evolution", {}, {"webhook_token": ""}), webhook())


def send(evolution_url, message, api_key="evo-key"):
    target = SendTarget("15550001111")
    return run(
        lambda client: ADAPTER.send(client, creds(evolution_url, api_key), target, message, "k")
    )


def test_text_goes_out_with_send_text(evolution):
    message_id = send(evolution.url, OutboundMessage(MessageType.TEXT, "hi"))
    assert message_id
    assert evolution.sent == [("sendText", {"number": "15550001111", "text": "hi"})]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (FakeResponse(503), TransientSendError),
        (FakeResponse(429), TransientSendError),
        (FakeResponse(400, {"error": "bad number"}), PermanentSendError),
    ],
)
def test_send_failures_are_classified(evolution, answer, error):
    evolution.fail_next(answer)
    with pytest.raises(error):
        send(evolution.url, OutboundMessage(MessageType.TEXT, "hi"))


def test_a_wrong_key_is_permanent_and_an_unreachable_server_transient(evolution):
    with pytest.raises(PermanentSendError):
        send(evolution.url, OutboundMessage(MessageType.TEXT, "hi"), api_key="wrong")
    with pytest.raises(TransientSendError):
        send(closed_port_url(), OutboundMessage(MessageType.TEXT, "hi"))


def test_connect_sets_the_instance_webhook_and_disconnect_disables_it(evolution):
    url = "https://gateway.example/api/webhooks/whatsapp_evolution/ch_1/tok"
    update = run(lambda client: ADAPTER.connect(client, creds(evolution.url), url))
    assert (update.config, update.secrets) == ({}, {})
    assert evolution.webhook == {
        "enabled": True,
        "url": url,
        "byEvents": False,
        "base64": False,
        "events": ["MESSAGES_UPSERT"],
    }
    run(lambda client: ADAPTER.disconnect(client, creds(evolution.url), url))
    assert evolution.webhook["enabled"] is False


def test_a_refused_webhook_setting_is_a_provider_error_without_secrets(evolution):
    evolution.webhook_failures.append(FakeResponse(500))
    with pytest.raises(ProviderError) as refused:
        run(lambda client: ADAPTER.connect(client, creds(evolution.url), "https://x/y"))
    assert "500" in str(refused.value)
    with pytest.raises(ProviderError) as unauthorised:
        run(lambda client: ADAPTER.connect(client, creds(evolution.url, "bad-key"), "https://x/y"))
    assert "bad-key" not in str(unauthorised.value)
