"""The iLink calls of the `wechat_personal` adapter against the fake iLink: parsing messages,
long polls, the result codes, login progress and sends."""

import pytest

from clawscale.channels.base import (
    ChannelCredentials,
    MessageType,
    OutboundMessage,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.wechat_personal import adapter as wechat_personal
from clawscale.channels.wechat_personal.adapter import (
    ILinkAdapter,
    ILinkSessionExpired,
    LoginStatus,
    fetch_login_progress,
    fetch_login_qrcode,
    fetch_updates,
    inbound_message,
)
from tests.channels.support import closed_port_url, run
from tests.fakes.http_server import FakeResponse
from tests.fakes.ilink import encode_cursor, fake_ilink


@pytest.fixture
def ilink():
    with fake_ilink(hold_seconds=0.3) as fake:
        yield fake


def raw_message(**fields):
    message = {
        "message_id": 7001,
        "from_user_id": "wxid_peer",
        "message_type": 1,
        "context_token": "ctx-1",
        "item_list": [{"type": 1, "text_item": {"text": "hello"}}],
    }
    message.update(fields)
    return message


def test_a_text_message_becomes_an_inbound_message():
    message = inbound_message(raw_message())
    assert message.provider_message_id == "7001"
    assert message.sender_id == "wxid_peer"
    assert message.text == "hello"
    assert message.attachments == ()
    assert message.provider_context == {"context_token": "ctx-1"}


def test_our_own_bot_messages_and_junk_are_skipped():
    assert inbound_message(raw_message(message_type=2)) is None
    assert inbound_message(raw_message(from_user_id="")) is None
    assert inbound_message("not a message") is None


def test_media_items_are_attachment_descriptors_and_voice_keeps_its_transcript():
    image = {"type": 2, "image_item": {"media": {"encrypt_query_param": "q"}}}
    voice = {"type": 3, "voice_item": {"text": "spoken words", "playtime": 3}}
    pdf = {"type": 4, "file_item": {"file_name": "plan.pdf", "len": "5120"}}
    message = inbound_message(raw_message(item_list=[image, voice, pdf, {"type": 99}]))
    assert message.text == "spoken words"
    octets = "application/octet-stream"
    assert message.attachments == (
        {"type": "image", "item": image, "filename": "image.jpg", "contentType": "image/jpeg"},
        {"type": "voice", "item": voice, "filename": "voice.silk", "contentType": "audio/silk"},
        {
            "type": "file",
            "item": pdf,
            "filename": "plan.pdf",
            "contentType": "application/pdf",
            "size": 5120,
        },
        {"type": "unknown", "item": {"type": 99}, "filename": "attachment", "contentType": octets},
    )


def test_a_message_without_an_id_gets_a_stable_one():
    first = inbound_message(raw_message(message_id=None))
    again = inbound_message(raw_message(message_id=None))
    assert first.provider_message_id == again.provider_message_id
    assert first.provider_message_id.startswith("sha256:")


def test_updates_arrive_with_the_next_cursor(ilink):
    bot = ilink.add_bot()
    ilink.inject(bot, "one")
    ilink.inject(bot, "mine", message_type=2)
    batch = run(lambda client: fetch_updates(client, ilink.url, bot.bot_token, ""))
    assert [message.text for message in batch.messages] == ["one"]
    assert batch.cursor == encode_cursor(2)
    assert batch.long_poll_seconds == pytest.approx(0.3)
    assert ilink.header_problems == []


def test_an_idle_long_poll_is_an_empty_batch_at_the_same_cursor(ilink, monkeypatch):
    bot = ilink.add_bot()
    ilink.hold_seconds = 2.0
    monkeypatch.setattr(wechat_personal, "LONG_POLL_MARGIN_SECONDS", 0.0)
    cursor = encode_cursor(0)
    batch = run(lambda client: fetch_updates(client, ilink.url, bot.bot_token, cursor, 0.2))
    assert (batch.messages, batch.cursor) == ((), cursor)


def test_session_expiry_and_other_failures_are_told_apart(ilink):
    bot = ilink.add_bot()
    ilink.expire_session(bot)
    with pytest.raises(ILinkSessionExpired):
        run(lambda client: fetch_updates(client, ilink.url, bot.bot_token, ""))
    with pytest.raises(ILinkSessionExpired):
        run(lambda client: fetch_updates(client, ilink.url, "not-a-token", ""))
    fresh = ilink.add_bot()
    ilink.fail_next_updates(FakeResponse(200, {"ret": -1}), FakeResponse(503))
    for expected in ("ret=-1", "HTTP 503"):
        with pytest.raises(TransientSendError, match=expected):
            run(lambda client: fetch_updates(client, ilink.url, fresh.bot_token, ""))
    with pytest.raises(TransientSendError, match="unreachable"):
        run(lambda client: fetch_updates(client, closed_port_url(), fresh.bot_token, ""))


def test_errors_never_carry_the_bot_token(ilink):
    bot = ilink.add_bot()
    ilink.fail_next_updates(FakeResponse(500, {"echo": bot.bot_token}))
    with pytest.raises(TransientSendError) as raised:
        run(lambda client: fetch_updates(client, ilink.url, bot.bot_token, ""))
    assert bot.bot_token not in str(raised.value)


def test_the_qr_login_flow(ilink):
    code = run(lambda client: fetch_login_qrcode(client, ilink.url))
    assert code.content == ilink.last_qrcode().content

    def progress(wait=1.0):
        return run(lambda client: fetch_login_progress(client, ilink.url, code.qrcode, wait))

    assert progress(wait=0.1).status is LoginStatus.WAIT
    ilink.scan()
    assert progress().status is LoginStatus.SCANNED
    bot = ilink.confirm(ilink_bot_id="b@im.bot", ilink_user_id="wxid_owner")
    confirmed = progress()
    assert confirmed.status is LoginStatus.CONFIRMED
    assert confirmed.account.bot_token == bot.bot_token
    assert (confirmed.account.ilink_bot_id, confirmed.account.ilink_user_id) == (
        "b@im.bot",
        "wxid_owner",
    )
    assert confirmed.account.baseurl == ilink.url
    assert bot.bot_token not in repr(confirmed)
    assert ilink.header_problems == []


def test_an_expired_code_and_an_unknown_status(ilink):
    code = run(lambda client: fetch_login_qrcode(client, ilink.url))
    ilink.expire()
    status = run(lambda client: fetch_login_progress(client, ilink.url, code.qrcode, 1.0))
    assert status.status is LoginStatus.EXPIRED
    ilink.last_qrcode().status = "need_verifycode"
    status = run(lambda client: fetch_login_progress(client, ilink.url, code.qrcode, 1.0))
    assert status.status is LoginStatus.WAIT


def credentials(ilink, bot_token):
    return ChannelCredentials(
        "ch_1", "wechat_personal", {"baseurl": ilink.url}, {"bot_token": bot_token}
    )


def send(ilink, bot_token, key="idem-1"):
    adapter = ILinkAdapter(default_base_url="http://unused.invalid")
    target = SendTarget("wxid_peer", {"context_token": "ctx-9"})
    message = OutboundMessage(MessageType.TEXT, "hi", media_urls=("https://x.test/a.png",))
    return run(
        lambda client: adapter.send(client, credentials(ilink, bot_token), target, message, key)
    )


def test_send_echoes_the_context_token_and_uses_the_key_as_client_id(ilink):
    bot = ilink.add_bot()
    assert send(ilink, bot.bot_token) == "idem-1"
    [body] = ilink.sent
    assert body["msg"]["context_token"] == "ctx-9"
    assert body["msg"]["client_id"] == "idem-1"
    assert (
        body["msg"]["item_list"][0]["text_item"]["text"] == "hi\nAttachment: https://x.test/a.png"
    )
    assert ilink.header_problems == []


def test_send_failures_are_classified(ilink):
    bot = ilink.add_bot()
    with pytest.raises(ILinkSessionExpired):
        send(ilink, "")
    ilink.fail_next_sends(FakeResponse(200, {"ret": -2}))
    with pytest.raises(TransientSendError):
        send(ilink, bot.bot_token)
    ilink.expire_session(bot)
    with pytest.raises(ILinkSessionExpired):
        send(ilink, bot.bot_token)
