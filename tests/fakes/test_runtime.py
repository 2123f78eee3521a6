"""The fake runtime answers over real HTTP as Coke's bridge does: its checks, its reading of
the body and the attachments, and the waiting for replies (timeouts, late replies, redeliveries);
and its Google Calendar import endpoints (preflight, run) as Coke's import service decides.

Plain functions: no database."""

import base64
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.fakes.http_server import FakeResponse
from tests.fakes.runtime import (
    CALENDAR_IMPORT_PREFLIGHT_PATH,
    CALENDAR_IMPORT_RUN_PATH,
    DEFAULT_CHARACTER_ID,
    INBOUND_PATH,
    FakeRuntime,
    ImportedReminder,
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


# --- Google Calendar import: preflight


def preflight(runtime: FakeRuntime, body: Any, headers: dict | None = None) -> httpx.Response:
    return httpx.post(runtime.calendar_preflight_url, json=body, headers=headers or AUTH)


def run_import(runtime: FakeRuntime, body: Any, timeout: float = 10) -> httpx.Response:
    return httpx.post(runtime.calendar_run_url, json=body, headers=AUTH, timeout=timeout)


def test_the_calendar_import_paths_are_coke_s(runtime: FakeRuntime):
    base = f"{runtime.server.url}/bridge/internal/google-calendar-import"
    assert runtime.calendar_preflight_url == f"{base}/preflight"
    assert runtime.calendar_run_url == f"{base}/run"
    assert runtime.calendar_preflight_url.endswith(CALENDAR_IMPORT_PREFLIGHT_PATH)
    assert runtime.calendar_run_url.endswith(CALENDAR_IMPORT_RUN_PATH)


def test_preflight_is_ready_once_the_customer_has_written(runtime: FakeRuntime):
    post(runtime, forward())
    [conversation] = runtime.conversations
    response = preflight(runtime, {"customer_id": "cust-1", "identity_id": "idt-1"})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "data": {
            "conversation_id": conversation.conversation_id,
            "user_id": "cust-1",
            "character_id": DEFAULT_CHARACTER_ID,
            "timezone": "Asia/Shanghai",
        },
    }
    assert (conversation.customer_id, conversation.conversation_key) == ("cust-1", "conv-1")
    assert len(conversation.conversation_id) == 24
    assert runtime.calendar_preflights == [{"customer_id": "cust-1", "identity_id": "idt-1"}]


def test_preflight_without_a_conversation_is_conversation_required(runtime: FakeRuntime):
    post(runtime, forward(accountAccessAllowed=False))
    post(runtime, forward(text=" ", inboundEventId="evt-2"))
    response = preflight(runtime, {"customer_id": "cust-1"})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "conversation_required"}
    assert runtime.conversations == []


@pytest.mark.parametrize("body", [{}, {"customer_id": "  "}, {"customer_id": 7}, []])
def test_preflight_needs_a_customer_id(runtime: FakeRuntime, body: Any):
    runtime.add_conversation("cust-1")
    response = preflight(runtime, body)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "customer_id_required"}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_the_calendar_routes_need_the_bridge_key(runtime: FakeRuntime, headers: dict):
    runtime.add_conversation("cust-1")
    for url in (runtime.calendar_preflight_url, runtime.calendar_run_url):
        response = httpx.post(url, json={"customer_id": "cust-1"}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error": "unauthorized"}
    assert runtime.calendar_preflights == runtime.calendar_imports == []


def test_preflight_finds_the_conversation_by_key_else_the_latest(runtime: FakeRuntime):
    post(runtime, forward(conversationId="gw-a", gatewayConversationId="gw-a"))
    post(runtime, forward(gatewayConversationId="gw-b", inboundEventId="evt-2"))
    post(runtime, forward(gatewayConversationId="gw-a", inboundEventId="evt-3"))
    first, second = runtime.conversations
    assert [c.conversation_key for c in runtime.conversations] == ["gw-a", "gw-b"]

    def conversation_id(**keys: Any) -> str:
        return preflight(runtime, {"customer_id": "cust-1", **keys}).json()["data"][
            "conversation_id"
        ]

    assert conversation_id(gateway_conversation_id="gw-a") == first.conversation_id
    assert conversation_id(business_conversation_key="gw-a") == first.conversation_id
    assert conversation_id(business_conversation_key="nope") == second.conversation_id
    assert conversation_id() == second.conversation_id


def test_a_business_key_files_messages_in_its_conversation(runtime: FakeRuntime):
    post(runtime, forward(businessConversationKey="bc-7"))
    post(
        runtime,
        forward(
            businessConversationKey="bc-7", gatewayConversationId="gw-9", inboundEventId="evt-2"
        ),
    )
    post(runtime, forward(conversationId=None, gatewayConversationId=None, inboundEventId="e3"))
    assert [c.conversation_key for c in runtime.conversations] == ["bc-7", "e3"]


def test_preflight_uses_the_customer_s_timezone_when_valid(runtime: FakeRuntime):
    runtime.add_conversation("cust-1")
    runtime.add_conversation("cust-2")
    runtime.user_timezones.update({"cust-1": "Asia/Tokyo", "cust-2": "Mars/Olympus"})
    tokyo = preflight(runtime, {"customer_id": "cust-1"}).json()["data"]["timezone"]
    fallback = preflight(runtime, {"customer_id": "cust-2"}).json()["data"]["timezone"]
    assert (tokyo, fallback) == ("Asia/Tokyo", "Asia/Shanghai")


def test_the_character_and_default_timezone_are_knobs():
    with fake_runtime(TOKEN, character_id="char-9", default_timezone="Europe/Paris") as fake:
        fake.add_conversation("cust-1", conversation_id="conv-x")
        data = preflight(fake, {"customer_id": "cust-1"}).json()["data"]
    assert data == {
        "conversation_id": "conv-x",
        "user_id": "cust-1",
        "character_id": "char-9",
        "timezone": "Europe/Paris",
    }


# --- Google Calendar import: run

NOW = datetime(2026, 4, 22, 0, 0, tzinfo=UTC)

MIXED_EVENTS: list[dict[str, Any]] = [
    {
        "id": "evt-sync",
        "status": "confirmed",
        "summary": "Team sync",
        "start": {"dateTime": "2026-04-23T09:00:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2026-04-23T10:00:00", "timeZone": "America/New_York"},
        "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 30}]},
    },
    {
        "id": "evt-holiday",
        "status": "confirmed",
        "summary": "Holiday",
        "start": {"date": "2026-04-24", "timeZone": "Not/AZone"},
        "end": {"date": "2026-04-25"},
    },
    {"id": "evt-gone", "status": "cancelled"},
    {
        "id": "evt-lunch",
        "status": "cancelled",
        "summary": "  ",
        "start": {"dateTime": "2026-04-01T12:00:00Z"},
        "end": {"dateTime": "2026-04-01T13:00:00Z"},
    },
    {
        "id": "evt-standup",
        "status": "confirmed",
        "summary": "Standup",
        "start": {"dateTime": "2026-04-20T09:00:00+09:00"},
        "recurrence": ["EXDATE:20260427T000000Z", "RRULE:FREQ=WEEKLY;BYDAY=MO"],
        "reminders": {"useDefault": True},
    },
    {
        "id": "evt-review",
        "summary": "Review",
        "start": {"dateTime": "2026-04-21T15:00:00Z"},
        "recurrence": ["RRULE:FREQ=DAILY"],
    },
    {
        "id": "evt-review_20260425",
        "summary": "Review (moved)",
        "recurringEventId": "evt-review",
        "originalStartTime": {"dateTime": "2026-04-25T15:00:00Z"},
        "start": {"dateTime": "2026-04-25T16:00:00Z"},
    },
    {
        "id": "evt-sync",
        "summary": "Team sync (again in the page)",
        "start": {"dateTime": "2026-04-23T09:00:00", "timeZone": "America/New_York"},
    },
    {"summary": "no id", "start": {"date": "2026-04-30"}},
    "not an event",
]


def import_body(events: list | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": "cust-1",
        "identity_id": "idt-1",
        "run_id": "run-1",
        "provider_account_email": "ada@example.com",
        "target_conversation_id": "conv-target",
        "target_character_id": "char-target",
        "target_timezone": "Asia/Tokyo",
        "calendar_defaults": {
            "timezone": "America/Los_Angeles",
            "default_reminders": [{"method": "popup", "minutes": 10}],
        },
        "events": MIXED_EVENTS if events is None else events,
    }
    body.update(overrides)
    return body


@pytest.fixture
def importer(runtime: FakeRuntime) -> FakeRuntime:
    runtime.calendar_now = lambda: NOW
    return runtime


def test_a_mixed_batch_is_counted_as_coke_counts_it(importer: FakeRuntime):
    response = run_import(importer, import_body())
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "data": {
            "imported_count": 4,
            "skipped_count": 1,
            "warning_count": 1,
            "warnings": [{"event_id": "evt-review", "reason": "unsupported_recurring_exceptions"}],
        },
    }
    reminders = importer.reminders_for("cust-1")
    assert [(r.source_event_id, r.kind, r.title) for r in reminders] == [
        ("evt-sync", "future", "Team sync"),
        ("evt-holiday", "future", "Holiday"),
        ("evt-lunch", "historical", "Google Calendar event"),
        ("evt-standup", "recurring", "Standup"),
    ]
    sync, holiday, lunch, standup = reminders
    assert (sync.dtstart, sync.timezone) == (
        datetime(2026, 4, 23, 12, 30, tzinfo=UTC),
        "America/New_York",
    )
    assert holiday.timezone == "Asia/Tokyo"
    assert holiday.dtstart.astimezone(UTC) == datetime(2026, 4, 24, 0, 0, tzinfo=UTC)
    assert lunch.dtstart == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    assert standup.rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert standup.dtstart == datetime(2026, 4, 19, 23, 50, tzinfo=UTC)
    assert standup.timezone == "America/Los_Angeles"
    assert sync.metadata == {
        "import_provider": "google_calendar",
        "import_run_id": "run-1",
        "provider_account_email": "ada@example.com",
        "source_event_id": "evt-sync",
        "source_original_start_time": "2026-04-23T09:00:00",
    }
    assert {(r.user_id, r.character_id, r.conversation_id) for r in reminders} == {
        ("cust-1", "char-target", "conv-target")
    }


def test_the_import_that_arrived_is_recorded(importer: FakeRuntime):
    response = run_import(importer, import_body())
    [recorded] = importer.calendar_imports
    assert (recorded.run_id, recorded.customer_id, recorded.identity_id) == (
        "run-1",
        "cust-1",
        "idt-1",
    )
    assert recorded.provider_account_email == "ada@example.com"
    assert recorded.events == MIXED_EVENTS
    assert recorded.calendar_defaults == import_body()["calendar_defaults"]
    assert recorded.target == {
        "conversation_id": "conv-target",
        "user_id": "cust-1",
        "character_id": "char-target",
        "timezone": "Asia/Tokyo",
    }
    assert (recorded.status, recorded.answer) == (200, response.json())


def test_a_second_identical_run_skips_what_the_first_imported(importer: FakeRuntime):
    run_import(importer, import_body())
    again = run_import(importer, import_body(run_id="run-2"))
    other_customer = run_import(importer, import_body(run_id="run-3", customer_id="cust-2"))
    duplicate = "duplicate_existing_reminder"
    assert again.json()["data"] == {
        "imported_count": 0,
        "skipped_count": 5,
        "warning_count": 5,
        "warnings": [
            {"event_id": "evt-sync", "reason": duplicate},
            {"event_id": "evt-holiday", "reason": duplicate},
            {"event_id": "evt-lunch", "reason": duplicate},
            {"event_id": "evt-standup", "reason": duplicate},
            {"event_id": "evt-review", "reason": "unsupported_recurring_exceptions"},
        ],
    }
    assert other_customer.json()["data"]["imported_count"] == 4
    assert len(importer.reminders_for("cust-1")) == len(importer.reminders_for("cust-2")) == 4
    assert [i.run_id for i in importer.calendar_imports] == ["run-1", "run-2", "run-3"]


def test_a_moved_start_is_a_new_event_to_coke(importer: FakeRuntime):
    event = {"id": "evt-1", "summary": "Dentist", "start": {"dateTime": "2026-05-01T10:00:00Z"}}
    moved = {**event, "start": {"dateTime": "2026-05-02T10:00:00Z"}}
    run_import(importer, import_body([event]))
    answer = run_import(importer, import_body([moved], run_id="run-2")).json()["data"]
    assert (answer["imported_count"], answer["skipped_count"]) == (1, 0)


def test_a_tombstone_instance_does_not_block_its_series(importer: FakeRuntime):
    events = [
        {
            "id": "s",
            "summary": "Gym",
            "start": {"date": "2026-04-20"},
            "recurrence": ["RRULE:FREQ=DAILY"],
        },
        {
            "id": "s_1",
            "status": "cancelled",
            "recurringEventId": "s",
            "originalStartTime": {"date": "2026-04-21"},
        },
    ]
    answer = run_import(importer, import_body(events)).json()["data"]
    assert answer == {"imported_count": 1, "skipped_count": 0, "warning_count": 0, "warnings": []}


def test_an_event_without_a_start_fails_the_run_after_the_earlier_ones(importer: FakeRuntime):
    ok = {"id": "evt-ok", "summary": "Call", "start": {"dateTime": "2026-05-01T10:00:00Z"}}
    no_start = {"id": "evt-tbd", "status": "confirmed", "summary": "Some day"}
    late = {"id": "evt-late", "summary": "After", "start": {"date": "2026-05-02"}}
    response = run_import(importer, import_body([ok, no_start, late]))
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "event_start_required"}
    assert [r.source_event_id for r in importer.reminders_for("cust-1")] == ["evt-ok"]
    assert importer.calendar_imports[0].status == 400
    retry = run_import(importer, import_body([ok, late], run_id="run-2")).json()["data"]
    assert (retry["imported_count"], retry["skipped_count"]) == (1, 1)


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({"id": "e", "start": {"date": "2026-05-01"}, "recurrence": [1]}, "recurrence_required"),
        ({"id": "e", "start": {"dateTime": "soon"}}, "Invalid isoformat string: 'soon'"),
    ],
)
def test_other_value_errors_answer_400_with_their_message(
    importer: FakeRuntime, event: dict, error: str
):
    response = run_import(importer, import_body([event]))
    assert (response.status_code, response.json()) == (400, {"ok": False, "error": error})


def test_without_a_full_target_the_run_resolves_it_by_preflight(importer: FakeRuntime):
    importer.user_timezones["cust-1"] = "Europe/Berlin"
    older = importer.add_conversation("cust-1", "gw-old")
    latest = importer.add_conversation("cust-1", "gw-new")
    body = import_body([MIXED_EVENTS[1]], target_timezone=" ", gateway_conversation_id="gw-old")
    response = run_import(importer, body)
    assert response.json()["data"]["imported_count"] == 1
    assert importer.calendar_imports[0].target == {
        "conversation_id": latest.conversation_id,
        "user_id": "cust-1",
        "character_id": DEFAULT_CHARACTER_ID,
        "timezone": "Europe/Berlin",
    }
    [holiday] = importer.reminders_for("cust-1")
    assert holiday.conversation_id != older.conversation_id
    assert holiday.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"target_conversation_id": None}, "conversation_required"),
        ({"customer_id": None}, "customer_id_required"),
    ],
)
def test_a_target_the_run_cannot_resolve_is_a_400(
    importer: FakeRuntime, overrides: dict, error: str
):
    response = run_import(importer, import_body(**overrides))
    assert (response.status_code, response.json()) == (400, {"ok": False, "error": error})
    assert importer.calendar_imports[0].target is None
    assert importer.imported_reminders == []


def test_empty_or_missing_events_import_nothing(importer: FakeRuntime):
    zero = {"imported_count": 0, "skipped_count": 0, "warning_count": 0, "warnings": []}
    assert run_import(importer, import_body([])).json() == {"ok": True, "data": zero}
    missing = {key: value for key, value in import_body().items() if key != "events"}
    null = {**import_body(), "events": None}
    assert run_import(importer, missing).json() == run_import(importer, null).json()
    assert run_import(importer, null).json() == {"ok": True, "data": zero}
    assert importer.imported_reminders == []


# --- Google Calendar import: failure knobs


def test_an_unwired_service_answers_500_on_both_routes(importer: FakeRuntime):
    importer.add_conversation("cust-1")
    importer.calendar_import_wired = False
    for response in (
        preflight(importer, {"customer_id": "cust-1"}),
        run_import(importer, import_body()),
    ):
        assert response.status_code == 500
        assert response.json() == {"ok": False, "error": "bridge service not wired"}
    assert importer.calendar_preflights == importer.calendar_imports == []


def test_scripted_calendar_failures_are_served_once_each(importer: FakeRuntime):
    importer.add_conversation("cust-1")
    importer.calendar_preflight_failures.append(FakeResponse(502, {"error": "upstream"}))
    importer.calendar_run_failures.append(FakeResponse(503, {"ok": False, "error": "busy"}))
    failed_preflight = preflight(importer, {"customer_id": "cust-1"})
    failed_run = run_import(importer, import_body())
    assert (failed_preflight.status_code, failed_preflight.json()) == (502, {"error": "upstream"})
    assert (failed_run.status_code, failed_run.json()) == (503, {"ok": False, "error": "busy"})
    assert importer.calendar_imports == []
    assert preflight(importer, {"customer_id": "cust-1"}).status_code == 200
    assert run_import(importer, import_body()).json()["data"]["imported_count"] == 4


def test_a_hanging_run_never_answers(importer: FakeRuntime):
    importer.server.hang("POST", CALENDAR_IMPORT_RUN_PATH)
    with pytest.raises(httpx.ReadTimeout):
        run_import(importer, import_body(), timeout=0.3)
    assert len(importer.server.requests_to(CALENDAR_IMPORT_RUN_PATH)) == 1
    assert importer.calendar_imports == []


def test_a_slow_run_answers_after_its_delay(importer: FakeRuntime):
    importer.calendar_run_delay_seconds = 0.3
    started = time.monotonic()
    response = run_import(importer, import_body())
    assert time.monotonic() - started >= 0.3
    assert response.json()["data"]["imported_count"] == 4


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"{not json", 400), (b"", 400), (b"[1]", 500), (b"[]", 400), (b"null", 400)],
)
def test_bodies_flask_cannot_read_as_objects(importer: FakeRuntime, content: bytes, status: int):
    response = httpx.post(importer.calendar_run_url, content=content, headers=AUTH)
    assert response.status_code == status
    if content in {b"[]", b"null"}:
        assert response.json() == {"ok": False, "error": "customer_id_required"}
    else:
        assert response.content.startswith(b"<!doctype html>")


def test_a_malformed_event_shape_is_flask_s_500(importer: FakeRuntime):
    response = run_import(importer, import_body([{"id": "e", "start": "2026-05-01"}]))
    assert response.status_code == 500
    assert importer.calendar_imports[0].status == 500


def test_imported_reminders_are_typed(importer: FakeRuntime):
    run_import(importer, import_body([MIXED_EVENTS[0]]))
    assert all(isinstance(item, ImportedReminder) for item in importer.imported_reminders)
