"""The fake runtime answers over real HTTP as Coke's bridge does: its checks, its reading of
the body and the attachments, and the waiting for replies (timeouts, late replies, redeliveries).

Plain functions: no database."""

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.http_server import FakeResponse
from tests.fakes.runtime import (
    INBOUND_PATH,
    FakeRuntime,
    LateReply,
    Reply,
    fake_runtime,
    normalize_inbound_attachments,
)
from tests.processes import wait_until

TOKEN = "agent-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def forward(
    text: str = "hello", attachments: list | None = None, **metadata: Any
) -> dict[str, Any]:
    """A forward body as the gateway sends it; `metadata` overrides (None removes a key)."""
    message: dict[str, Any] = {"role": "user", "content": text}
    if attachments is not None:
        message["attachments"] = attachments
    fields: dict[str, Any] = {
        "tenantId": "tenant-1",
        "channelId": "channel-1",
        "platform": "telegram",
        "externalId": "tg-42",
        "endUserId": "end-user-1",
        "conversationId": "conv-1",
        "gatewayConversationId": "conv-1",
        "inboundEventId": "evt-1",
        "customerId": "cust-1",
        "cokeAccountId": "cust-1",
        "clawscaleUserId": "csu-1",
        "channelScope": "tenant_shared",
        "accountAccessAllowed": True,
        "renewalUrl": "https://gateway.example/renew",
    }
    fields.update(metadata)
    return {
        "messages": [message],
        "metadata": {key: value for key, value in fields.items() if value is not None},
    }


def post(runtime: FakeRuntime, body: Any, timeout: float = 10, **kwargs: Any) -> httpx.Response:
    return httpx.post(runtime.endpoint, json=body, headers=AUTH, timeout=timeout, **kwargs)


@pytest.fixture
def runtime() -> Iterator[FakeRuntime]:
    with fake_runtime(TOKEN, reply_timeout_seconds=0.3) as fake:
        yield fake


# --- the route's checks


def test_the_endpoint_is_the_bridge_path(runtime: FakeRuntime):
    assert runtime.endpoint == f"{runtime.server.url}/bridge/inbound"
    assert runtime.endpoint.endswith(INBOUND_PATH)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_a_wrong_or_missing_bearer_is_unauthorized(runtime: FakeRuntime, headers: dict):
    response = httpx.post(runtime.endpoint, json=forward(), headers=headers)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "unauthorized"}
    assert runtime.messages == []


def test_a_body_over_five_mib_is_too_large(runtime: FakeRuntime):
    response = httpx.post(runtime.endpoint, content=b" " * (5 * 1024 * 1024 + 1), headers=AUTH)
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error": "attachment_payload_too_large"}


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"{not json", "invalid_json"), (b"", "invalid_json"), (b"[1, 2]", "invalid_request")],
)
def test_bodies_that_are_not_json_objects_are_refused(
    runtime: FakeRuntime, content: bytes, error: str
):
    response = httpx.post(runtime.endpoint, content=content, headers=AUTH)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": error}


# --- the required context


@pytest.mark.parametrize(
    "missing",
    ["tenantId", "channelId", "platform", "externalId", "endUserId"],
)
def test_each_required_key_is_needed(runtime: FakeRuntime, missing: str):
    response = post(runtime, forward(**{missing: None}))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "missing_coke_account_id"}
    assert runtime.messages == []


def test_the_account_id_is_needed_and_must_not_be_blank(runtime: FakeRuntime):
    missing = post(runtime, forward(customerId=None, cokeAccountId=None))
    blank = post(runtime, forward(customerId="  ", cokeAccountId=None))
    assert missing.json() == blank.json() == {"ok": False, "error": "missing_coke_account_id"}
    assert missing.status_code == blank.status_code == 400


@pytest.mark.parametrize(
    ("payload_keys", "metadata", "expected"),
    [
        ({"coke_account_id": "a", "customer_id": "b"}, {}, "a"),
        ({"customer_id": "b", "customerId": "c"}, {}, "b"),
        ({"customerId": "c"}, {"cokeAccountId": "d"}, "c"),
        ({}, {"cokeAccountId": "d", "customerId": "e"}, "d"),
        ({}, {"customerId": "e", "customer_id": "f"}, "e"),
        ({}, {"customer_id": "f"}, "f"),
    ],
)
def test_the_account_id_fallbacks_are_coke_s(
    runtime: FakeRuntime, payload_keys: dict, metadata: dict, expected: str
):
    body = forward(**{"customerId": None, "cokeAccountId": None, **metadata})
    body.update(payload_keys)
    assert post(runtime, body).status_code == 200
    assert runtime.accepted[0].coke_account_id == expected


def test_payload_keys_come_before_metadata_keys(runtime: FakeRuntime):
    body = forward(inboundEventId="from-metadata")
    body.update({"tenant_id": "tenant-payload", "inbound_event_id": "from-payload", "input": "x"})
    post(runtime, body)
    [message] = runtime.accepted
    assert (message.tenant_id, message.channel_id) == ("tenant-payload", "channel-1")
    assert message.inbound_event_id == "from-payload"
    assert message.text == "x"
    assert message.gateway_conversation_id == "conv-1"


def test_account_fields_come_from_metadata_before_the_payload(runtime: FakeRuntime):
    body = forward(emailVerified=True, accountStatus="normal")
    body.update({"email_verified": False, "subscription_active": True})
    post(runtime, body)
    [message] = runtime.accepted
    assert message.email_verified is True
    assert message.account_status == "normal"
    assert message.subscription_active is True


def test_a_personal_channel_needs_the_clawscale_user_id(runtime: FakeRuntime):
    refused = post(runtime, forward(channelScope="personal", clawscaleUserId=None))
    shared = post(runtime, forward(clawscaleUserId=None, inboundEventId="evt-2"))
    personal = post(runtime, forward(channelScope="personal", inboundEventId="evt-3"))
    assert refused.status_code == 400
    assert refused.json() == {"ok": False, "error": "missing_coke_account_id"}
    assert shared.status_code == personal.status_code == 200
    assert [m.channel_scope for m in runtime.accepted] == ["tenant_shared", "personal"]


def test_a_provisioning_body_at_the_inbound_path_is_refused(runtime: FakeRuntime):
    response = post(runtime, {"customer_id": "cust-1", "display_name": "Ada"})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "missing_coke_account_id"}
    assert runtime.messages == runtime.provisioned == []


# --- empty inbounds and denied access


def test_an_empty_inbound_is_ignored(runtime: FakeRuntime):
    response = post(runtime, forward(text="   "))
    assert response.json() == {"ok": True, "ignored": True, "reason": "empty_inbound"}
    assert runtime.messages == []
    assert len(runtime.ignored) == 1


def test_denied_access_is_answered_with_the_renewal_link(runtime: FakeRuntime):
    body = forward(accountAccessAllowed=False, accountAccessDeniedReason="subscription_required")
    response = post(runtime, body)
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply.endswith("Renew here: https://gateway.example/renew")
    assert response.json() == {"ok": True, "reply": reply}
    assert runtime.messages == []
    assert len(runtime.denied) == 1


# --- attachments


def data_url(content_type: str, payload: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(payload).decode()}"


def test_http_attachments_keep_their_type_and_get_defaults(runtime: FakeRuntime):
    attachments = [
        {"url": "https://u:p@cdn.example/a.png?sig=1", "contentType": "image/png", "size": 10},
        {"url": "https://cdn.example/file", "size": -1},
        {"url": "ftp://cdn.example/nope"},
        {"filename": "no url"},
    ]
    post(runtime, forward("look", attachments))
    [message] = runtime.accepted
    assert message.attachments == [
        {
            "url": "https://u:p@cdn.example/a.png?sig=1",
            "contentType": "image/png",
            "filename": "attachment",
            "safeDisplayUrl": "https://cdn.example/a.png",
            "size": 10,
        },
        {
            "url": "https://cdn.example/file",
            "contentType": "application/octet-stream",
            "filename": "attachment",
            "safeDisplayUrl": "https://cdn.example/file",
        },
    ]
    assert message.input == (
        "look\n\nAttachment: https://cdn.example/a.png\nAttachment: https://cdn.example/file"
    )


def test_a_data_url_becomes_an_inline_placeholder(runtime: FakeRuntime):
    url = data_url("image/png", b"\x89PNG1234")
    post(runtime, forward("", [{"url": url, "filename": "pic\n.png", "contentType": "x/y"}]))
    [message] = runtime.accepted
    placeholder = "[inline image/png attachment: pic .png]"
    assert message.attachments == [
        {
            "url": placeholder,
            "contentType": "image/png",
            "filename": "pic .png",
            "safeDisplayUrl": placeholder,
            "size": 8,
        }
    ]
    assert message.input == f"Attachment: {placeholder}"


def test_untrusted_or_malformed_data_urls_are_dropped():
    dropped = [
        data_url("text/html", b"<b>"),
        "data:image/png;base64,abc",
        "data:image/png;base64,YQ==YQ==",
    ]
    result = normalize_inbound_attachments([{"url": url} for url in dropped])
    assert (result.attachments, result.rejected) == ([], False)


def test_more_than_four_attachments_are_refused(runtime: FakeRuntime):
    attachments = [{"url": f"https://cdn.example/{index}"} for index in range(5)]
    response = post(runtime, forward("five", attachments))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "attachment_limit_exceeded"}
    assert runtime.messages == []


def test_a_data_url_over_two_mib_is_refused(runtime: FakeRuntime):
    url = data_url("application/pdf", b"x" * (2 * 1024 * 1024 + 1))
    response = post(runtime, forward("big", [{"url": url}]))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "attachment_payload_too_large"}


def test_payload_attachments_come_before_the_message_s(runtime: FakeRuntime):
    body = forward("both", [{"url": "https://cdn.example/message"}])
    body["attachments"] = [{"url": "https://cdn.example/payload"}]
    post(runtime, body)
    assert [a["url"] for a in runtime.accepted[0].attachments] == ["https://cdn.example/payload"]


def test_attachments_alone_are_not_an_empty_inbound(runtime: FakeRuntime):
    response = post(runtime, forward("", [{"url": "https://cdn.example/v.mp3"}]))
    assert response.status_code == 200
    assert "ignored" not in response.json()
    assert runtime.texts() == [""]


# --- replies


def test_a_held_reply_comes_with_coke_s_keys(runtime: FakeRuntime):
    runtime.reply_timeout_seconds = 2
    runtime.hold_seconds = 0.3
    runtime.replies.append({"reply": "Hi Ada!", "output_id": "out-1"})
    started = time.monotonic()
    response = post(runtime, forward("hi", businessConversationKey="bc-7"))
    assert time.monotonic() - started >= 0.3
    assert response.json() == {
        "ok": True,
        "reply": "Hi Ada!",
        "business_conversation_key": "bc-7",
        "output_id": "out-1",
        "causal_inbound_event_id": "evt-1",
    }
    assert runtime.messages == [forward("hi", businessConversationKey="bc-7")]
    assert runtime.texts() == ["hi"]


def test_without_a_conversation_key_coke_mints_one(runtime: FakeRuntime):
    runtime.replies.extend(["plain text", Reply("no key", omit_business_conversation_key=True)])
    first = post(runtime, forward()).json()
    second = post(runtime, forward(inboundEventId="evt-2")).json()
    assert first["reply"] == "plain text"
    assert first["business_conversation_key"] == "bc_cust-1"
    assert "business_conversation_key" not in second
    assert second["causal_inbound_event_id"] == "evt-2"


def test_a_silent_agent_answers_ok_after_the_timeout(runtime: FakeRuntime):
    started = time.monotonic()
    response = post(runtime, forward())
    assert time.monotonic() - started >= runtime.reply_timeout_seconds
    assert response.json() == {"ok": True}
    assert runtime.texts() == ["hello"]


def test_a_late_reply_goes_to_the_sink_after_its_delay(runtime: FakeRuntime):
    pushed: list[LateReply] = []
    runtime.late_reply_sink = pushed.append
    runtime.replies.append({"reply": "sorry, slow", "delay_seconds": 1.2, "output_id": "out-9"})
    started = time.monotonic()
    assert post(runtime, forward()).json() == {"ok": True}
    wait_until(lambda: pushed, 5, "the late reply")
    assert time.monotonic() - started >= 1.2
    [late] = pushed
    body = late.outbound_body()
    assert body["text"] == "sorry, slow"
    assert body["customer_id"] == "cust-1"
    assert body["business_conversation_key"] == "bc_cust-1"
    assert body["delivery_mode"] == "push"
    assert body["idempotency_key"] == body["trace_id"] == "late_sync_reply:out-9"
    assert body["causal_inbound_event_id"] == "evt-1"
    assert body["expect_output_timestamp"].endswith("Z")
    assert late.delivery_route_body()["conversation_id"] == "conv-1"
    assert runtime.late_replies == pushed
    assert runtime.lost_replies == []


def test_a_late_reply_without_a_gateway_conversation_is_lost(runtime: FakeRuntime):
    pushed: list[LateReply] = []
    runtime.late_reply_sink = pushed.append
    runtime.replies.append({"reply": "late", "delay_seconds": 0.8})
    post(runtime, forward(conversationId=None, gatewayConversationId=None))
    wait_until(lambda: runtime.lost_replies, 5, "the lost reply")
    assert runtime.lost_replies[0].reason == "late_clawscale_reply_missing_route_context"
    assert pushed == []


def test_held_requests_are_answered_concurrently(runtime: FakeRuntime):
    runtime.reply_timeout_seconds = 2
    runtime.hold_seconds = 0.4
    runtime.replies.extend(["a", "b", "c"])
    answers: list[dict] = []

    def send(index: int) -> None:
        answers.append(post(runtime, forward(inboundEventId=f"evt-{index}")).json())

    threads = [threading.Thread(target=send, args=(index,)) for index in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 1.0
    assert sorted(answer["reply"] for answer in answers) == ["a", "b", "c"]


def test_failures_are_served_first_and_on_message_sees_new_messages(runtime: FakeRuntime):
    seen: list[dict] = []
    runtime.on_message = seen.append
    runtime.message_failures.append(FakeResponse(503, {"error": "busy"}))
    runtime.replies.append("hi")
    failed = post(runtime, forward())
    answered = post(runtime, forward())
    assert (failed.status_code, failed.json()) == (503, {"error": "busy"})
    assert answered.json()["reply"] == "hi"
    assert seen == runtime.messages == [forward()]


# --- redeliveries


def test_a_redelivery_is_not_a_new_message_and_its_reply_is_gone(runtime: FakeRuntime):
    runtime.replies.extend(["only once", "never used"])
    first = post(runtime, forward())
    started = time.monotonic()
    again = post(runtime, forward())
    assert first.json()["reply"] == "only once"
    assert again.json() == {"ok": True}
    assert time.monotonic() - started >= runtime.reply_timeout_seconds
    assert runtime.messages == [forward()]
    assert len(runtime.redeliveries) == 1
    assert list(runtime.replies) == ["never used"]


def test_a_reply_consumed_by_an_abandoned_request_is_lost(runtime: FakeRuntime):
    runtime.reply_timeout_seconds = 2
    runtime.replies.append({"reply": "too slow for the gateway", "delay_seconds": 0.6})
    with pytest.raises(httpx.ReadTimeout):
        post(runtime, forward(), timeout=0.3)
    wait_until(lambda: runtime.lost_replies, 5, "the reply answered to nobody")
    retry = post(runtime, forward(), timeout=5)
    assert retry.json() == {"ok": True}
    [lost] = runtime.lost_replies
    assert (lost.reason, lost.output.text) == (
        "answered_to_a_closed_connection",
        "too slow for the gateway",
    )
    assert len(runtime.messages) == len(runtime.redeliveries) == 1


def test_a_redelivery_waiting_when_the_reply_lands_gets_it_too(runtime: FakeRuntime):
    runtime.reply_timeout_seconds = 2
    runtime.replies.append({"reply": "both see it", "delay_seconds": 0.5})
    answers: list[dict] = []
    first = threading.Thread(target=lambda: answers.append(post(runtime, forward()).json()))
    first.start()
    wait_until(lambda: runtime.messages, 5, "the first request")
    answers.append(post(runtime, forward()).json())
    first.join()
    assert [answer.get("reply") for answer in answers] == ["both see it"] * 2


# --- provisioning


def test_provisioning_has_its_own_endpoint(runtime: FakeRuntime):
    url = runtime.provisioning_url
    assert url == f"{runtime.server.url}/provision"
    runtime.provision_failures.append(FakeResponse(500, {"error": "boom"}))
    runtime.provision_delay_seconds = 0.2
    body = {"customer_id": "cust-1", "display_name": "Ada"}
    unauthorized = httpx.post(url, json=body)
    failed = httpx.post(url, json=body, headers=AUTH)
    started = time.monotonic()
    provisioned = httpx.post(url, json=body, headers=AUTH)
    assert time.monotonic() - started >= 0.2
    assert unauthorized.status_code == 401
    assert failed.status_code == 500
    assert (provisioned.status_code, provisioned.json()) == (200, {"ok": True})
    assert runtime.provisioned == [body]
    assert runtime.messages == []
