"""`telegram`: the secret-token header, update parsing, Bot API sends and `setWebhook`."""

import logging

import pytest

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.telegram.adapter import TelegramAdapter
from clawscale.channels.webhooks import ProviderError, WebhookRejected
from tests.channels.support import closed_port_url, credentials, run, webhook
from tests.fakes.telegram import fake_telegram, message_update, telegram_error

ADAPTER = TelegramAdapter(default_base_url="http://unused.invalid")
TOKEN = "123456:bot-token"
URL = "https://gateway.example/api/webhooks/telegram/ch_1/tok"


@pytest.fixture
def telegram():
    with fake_telegram(TOKEN) as fake:
        yield fake


def creds(base_url="http://unused.invalid", bot_token=TOKEN, secret_token="s3cret"):
    secrets = {"bot_token": bot_token, "secret_token": secret_token}
    return credentials("telegram", {"base_url": base_url}, secrets)


def test_the_secret_token_header_must_match():
    ADAPTER.verify_request(creds(), webhook(headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}))
    for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
        with pytest.raises(WebhookRejected, match="secret token"):
            ADAPTER.verify_request(creds(), webhook(headers=headers))


def test_without_a_secret_token_nothing_passes():
    with pytest.raises(WebhookRejected):
        ADAPTER.verify_request(
            creds(secret_token=""), webhook(headers={"X-Telegram-Bot-Api-Secret-Token": ""})
        )


def test_a_private_message_is_routed_to_its_chat():
    [message] = ADAPTER.parse_inbound(creds(), message_update("hi", chat_id=777, message_id=9))
    assert (message.provider_message_id, message.sender_id) == ("777:9", "777")
    assert (message.sender_name, message.text) == ("Ada", "hi")


def test_a_captioned_photo_carries_the_largest_size_as_attachment():
    photo = [{"file_id": "small", "width": 90}, {"file_id": "large", "width": 1280}]
    update = message_update(extra={"photo": photo, "caption": "look"})
    del update["message"]["text"]
    [message] = ADAPTER.parse_inbound(creds(), update)
    assert message.text == "look"
    assert message.attachments == (
        {"type": "image", "file_id": "large", "contentType": "image/jpeg"},
    )


def edited(update):
    update["edited_message"] = update.pop("message")
    return update


IGNORED = {
    "bot": message_update(is_bot=True),
    "group": message_update(chat_type="group", chat_id=-100123),
    "supergroup": message_update(chat_type="supergroup", chat_id=-100123),
    "channel post": {"update_id": 1, "channel_post": message_update()["message"]},
    "edited message": edited(message_update()),
    "sticker only": message_update("", extra={"sticker": {"file_unique_id": "x"}}),
    "not an object": [message_update()],
}


@pytest.mark.parametrize("payload", IGNORED.values(), ids=IGNORED.keys())
def test_bots_groups_and_other_updates_are_ignored(payload):
    assert ADAPTER.parse_inbound(creds(), payload) == []


def send(base_url, message, bot_token=TOKEN):
    target = SendTarget("777")
    return run(
        lambda client: ADAPTER.send(client, creds(base_url, bot_token), target, message, "k")
    )


def test_text_images_and_voice_use_their_methods(telegram):
    assert send(telegram.url, OutboundMessage(MessageType.TEXT, "hi")) == "500"
    urls = ("https://cdn.example/a.png", "https://cdn.example/b.png")
    send(telegram.url, OutboundMessage(MessageType.IMAGE, "look", urls))
    send(telegram.url, OutboundMessage(MessageType.VOICE, "", ("https://cdn.example/v.ogg",)))
    assert telegram.sent == [
        ("sendMessage", {"chat_id": "777", "text": "hi"}),
        ("sendPhoto", {"chat_id": "777", "photo": urls[0], "caption": "look"}),
        ("sendPhoto", {"chat_id": "777", "photo": urls[1]}),
        ("sendVoice", {"chat_id": "777", "voice": "https://cdn.example/v.ogg"}),
    ]


def test_flood_control_is_retried_after_the_time_telegram_gives(telegram):
    telegram.fail_next(telegram_error(429, "Too Many Requests: retry after 7", retry_after=7))
    with pytest.raises(TransientSendError) as flood:
        send(telegram.url, OutboundMessage(MessageType.TEXT, "hi"))
    assert flood.value.retry_after == 7


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (telegram_error(502, "Bad Gateway"), TransientSendError),
        (telegram_error(403, "Forbidden: bot was blocked by the user"), PermanentSendError),
        (telegram_error(400, "Bad Request: chat not found"), PermanentSendError),
    ],
)
def test_send_failures_are_classified(telegram, answer, error):
    telegram.fail_next(answer)
    with pytest.raises(error):
        send(telegram.url, OutboundMessage(MessageType.TEXT, "hi"))


def test_errors_never_carry_the_bot_token(telegram):
    with pytest.raises(PermanentSendError) as unknown_bot:
        send(telegram.url, OutboundMessage(MessageType.TEXT, "hi"), bot_token="999:wrong-token")
    assert "wrong-token" not in str(unknown_bot.value)
    with pytest.raises(TransientSendError) as unreachable:
        send(closed_port_url(), OutboundMessage(MessageType.TEXT, "hi"))
    assert TOKEN not in str(unreachable.value)


def test_connect_sets_the_webhook_with_a_fresh_secret_token(telegram):
    update = run(lambda client: ADAPTER.connect(client, creds(telegram.url), URL))
    assert telegram.webhook_url == URL
    assert telegram.allowed_updates == ["message"]
    assert update.secrets == {"secret_token": telegram.secret_token}
    assert len(telegram.secret_token) >= 32
    again = run(lambda client: ADAPTER.connect(client, creds(telegram.url), URL))
    assert again.secrets["secret_token"] != update.secrets["secret_token"]


def test_disconnect_deletes_the_webhook(telegram):
    run(lambda client: ADAPTER.connect(client, creds(telegram.url), URL))
    update = run(lambda client: ADAPTER.disconnect(client, creds(telegram.url), URL))
    assert telegram.webhook_url is None
    assert update.secrets == {"secret_token": ""}


def test_a_refused_set_webhook_is_a_provider_error_without_the_token(telegram):
    telegram.fail_next(telegram_error(400, "Bad Request: bad webhook: HTTPS url must be provided"))
    with pytest.raises(ProviderError) as refused:
        run(lambda client: ADAPTER.connect(client, creds(telegram.url), URL))
    assert TOKEN not in str(refused.value)
    with pytest.raises(ProviderError):
        run(lambda client: ADAPTER.connect(client, creds(telegram.url, "1:other"), URL))


def test_httpx_request_logs_hide_the_bot_token(telegram, caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    send(telegram.url, OutboundMessage(MessageType.TEXT, "hi"))
    run(lambda client: ADAPTER.connect(client, creds(telegram.url), URL))
    assert "/bot<redacted>/sendMessage" in caplog.text
    assert "/bot<redacted>/setWebhook" in caplog.text
    assert TOKEN not in caplog.text
