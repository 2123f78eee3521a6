"""`wechat_ecloud` (GeWe): callback parsing, sends with `ret == 200`, and the callback URL."""

import pytest

from clawscale.channels.base import (
    MessageType,
    OutboundMessage,
    PermanentSendError,
    SendTarget,
    TransientSendError,
)
from clawscale.channels.webhooks import ProviderError
from clawscale.channels.wechat_ecloud.adapter import GeWeAdapter
from tests.channels.support import credentials, run, webhook
from tests.fakes.gewe import fake_gewe, gewe_failure, text_callback
from tests.fakes.http_server import FakeResponse

ADAPTER = GeWeAdapter(default_base_url="http://unused.invalid")


@pytest.fixture
def gewe():
    with fake_gewe() as fake:
        yield fake


def creds(base_url="http://unused.invalid", token="gewe-token", app_id="wx_app_1"):
    return credentials(
        "wechat_ecloud", {"app_id": app_id, "base_url": base_url}, {"gewe_token": token}
    )


def parse(payload):
    return ADAPTER.parse_inbound(creds(), payload)


def test_a_private_text_is_routed_by_its_new_msg_id():
    [message] = parse(text_callback("  ni hao  ", sender="wxid_alice", new_msg_id="456"))
    assert (message.provider_message_id, message.sender_id) == ("456", "wxid_alice")
    assert (message.sender_name, message.text) == ("Alice", "ni hao")


def test_a_quoted_reply_is_routed_and_msg_id_stands_in_for_a_missing_new_msg_id():
    callback = text_callback("quoting you", message_type="60014", nick_name=None)
    del callback["data"]["newMsgId"]
    [message] = parse(callback)
    assert message.provider_message_id == str(callback["data"]["msgId"])
    assert message.sender_name == ""


def without_self(callback):
    del callback["data"]["self"]
    return callback


def in_group(callback, field):
    callback["data"][field] = "123456@chatroom"
    return callback


IGNORED = {
    "own message": text_callback(own=True),
    "self missing": without_self(text_callback()),
    "group sender": in_group(text_callback(), "fromUser"),
    "group recipient": in_group(text_callback(), "toUser"),
    "image": text_callback(message_type="60002"),
    "voice": text_callback(message_type="60004"),
    "empty text": text_callback("   "),
    "not an object": [text_callback()],
}


@pytest.mark.parametrize("payload", IGNORED.values(), ids=IGNORED.keys())
def test_own_group_and_other_callbacks_are_ignored(payload):
    assert parse(payload) == []


def test_callbacks_without_ids_are_ignored():
    callback = text_callback()
    del callback["data"]["newMsgId"], callback["data"]["msgId"]
    assert parse(callback) == []


def test_gewe_signs_nothing_beyond_the_path_token():
    ADAPTER.verify_request(creds(), webhook())


def send(gewe_url, message, **creds_args):
    target = SendTarget("wxid_alice")
    return run(
        lambda client: ADAPTER.send(client, creds(gewe_url, **creds_args), target, message, "k")
    )


def test_text_is_posted_with_the_app_id_and_the_new_msg_id_answered(gewe):
    message_id = send(gewe.url, OutboundMessage(MessageType.TEXT, "hello"))
    assert message_id.isdigit()
    assert gewe.sent == [
        ("postText", {"appId": "wx_app_1", "toWxid": "wxid_alice", "content": "hello"})
    ]
    assert gewe.server.requests[0].headers["x-gewe-token"] == "gewe-token"


def test_images_go_natively_and_voice_as_attachment_lines(gewe):
    urls = ("https://cdn.example/a.png",)
    send(gewe.url, OutboundMessage(MessageType.IMAGE, "look", urls))
    assert [action for action, _ in gewe.sent] == ["postText", "postImage"]
    assert gewe.sent[1][1]["imgUrl"] == urls[0]
    send(gewe.url, OutboundMessage(MessageType.VOICE, "", ("https://cdn.example/v.mp3",)))
    assert gewe.texts()[-1] == "Attachment: https://cdn.example/v.mp3"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (gewe_failure(), TransientSendError),
        (FakeResponse(502), TransientSendError),
        (FakeResponse(404), PermanentSendError),
    ],
)
def test_send_failures_are_classified(gewe, answer, error):
    gewe.fail_next(answer)
    with pytest.raises(error):
        send(gewe.url, OutboundMessage(MessageType.TEXT, "hello"))


def test_a_refusal_without_ret_200_is_never_success(gewe):
    with pytest.raises(TransientSendError, match="ret=401"):
        send(gewe.url, OutboundMessage(MessageType.TEXT, "hello"), token="wrong")
    with pytest.raises(PermanentSendError):
        send(gewe.url, OutboundMessage(MessageType.TEXT, "hello"), app_id="")


def test_connect_sets_the_callback_url_and_disconnect_calls_nothing(gewe):
    url = "https://gateway.example/api/webhooks/wechat_ecloud/ch_1/tok"
    run(lambda client: ADAPTER.connect(client, creds(gewe.url), url))
    assert gewe.callback_url == url
    calls = len(gewe.server.requests)
    run(lambda client: ADAPTER.disconnect(client, creds(gewe.url), url))
    assert len(gewe.server.requests) == calls


def test_a_refused_callback_is_a_provider_error(gewe):
    gewe.fail_next(gewe_failure())
    with pytest.raises(ProviderError, match="ret=500"):
        run(lambda client: ADAPTER.connect(client, creds(gewe.url), "https://x/y"))
    assert gewe.callback_url is None
