"""The web chat API over real HTTP, on SQLite and PostgreSQL: visitors and their tokens, writing
(once per client message id, through the one inbound path), history pages, the live stream, the
dispatcher's deliveries, the sites a chat may be embedded in, and its limits."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import jwt
import pytest
from sqlmodel import select

from clawscale.domain.channels.store import create_channel
from clawscale.models import ChannelScope, ChannelStatus, InboundEvent, WebChatMessage
from tests.factories import SETTINGS
from tests.processes import wait_until

TOKEN = "web-chat-webhook-token"
SHOP = "https://shop.example"


def web_chat(session, status=ChannelStatus.CONNECTED, allowed="", kind="web_chat", token=TOKEN):
    config = {"allowed_origins": allowed} if allowed else {}
    channel = create_channel(
        session,
        SETTINGS,
        kind,
        ChannelScope.SHARED,
        name="Support chat",
        status=status,
        config=config,
        secrets={"webhook_token": token},
    )
    session.commit()
    return channel


def visitor(client, channel_id: str, **headers: str) -> dict[str, str]:
    answer = client.post(f"/api/webchat/{channel_id}/visitors", headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def write(client, channel_id, token, text, client_message_id, **headers):
    return client.post(
        f"/api/webchat/{channel_id}/messages",
        json={"text": text, "client_message_id": client_message_id},
        headers={**bearer(token), **headers},
    )


def history(client, channel_id, token, **params):
    return client.get(f"/api/webchat/{channel_id}/messages", params=params, headers=bearer(token))


def deliver(client, channel_id, visitor_id, text, key, token=TOKEN):
    body = {"visitor_id": visitor_id, "text": text, "idempotency_key": key}
    return client.post(f"/api/webchat/{channel_id}/deliveries", json=body, headers=bearer(token))


def texts(answer) -> list[str]:
    return [item["text"] for item in answer.json()["data"]["items"]]


def test_a_connected_chat_names_itself_and_others_are_not_found(client, session):
    chat = web_chat(session)
    answer = client.get(f"/api/webchat/{chat.id}")
    assert answer.json() == {"ok": True, "data": {"channel_id": chat.id, "name": "Support chat"}}
    off = web_chat(session, status=ChannelStatus.DISCONNECTED)
    other_kind = web_chat(session, kind="telegram")
    for channel_id in (off.id, other_kind.id, "ch_missing"):
        answer = client.get(f"/api/webchat/{channel_id}")
        assert (answer.status_code, answer.json()["error"]) == (404, "channel_not_found")
        answer = client.post(f"/api/webchat/{channel_id}/visitors")
        assert answer.status_code == 404


def test_a_visitor_writes_and_the_message_takes_the_inbound_path_once(client, session):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    first = write(client, chat.id, guest["visitor_token"], "  Hello there  ", "m-1")
    assert first.status_code == 201
    message = first.json()["data"]
    assert (message["role"], message["text"]) == ("visitor", "Hello there")
    assert message["media_urls"] == []
    again = write(client, chat.id, guest["visitor_token"], "Hello there", "m-1")
    assert again.json()["data"]["id"] == message["id"]
    session.expire_all()
    [event] = session.exec(select(InboundEvent)).all()
    assert (event.channel_id, event.provider_message_id) == (chat.id, f"{guest['visitor_id']}:m-1")
    assert event.payload["text"] == "Hello there"
    assert len(session.exec(select(WebChatMessage)).all()) == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"text": "   ", "client_message_id": "m"}, "text"),
        ({"text": "x" * 4001, "client_message_id": "m"}, "text"),
        ({"text": "hi", "client_message_id": ""}, "client_message_id"),
        ({"text": "hi"}, "client_message_id"),
    ],
)
def test_a_message_out_of_bounds_is_refused_and_nothing_is_stored(client, session, body, problem):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    answer = client.post(
        f"/api/webchat/{chat.id}/messages", json=body, headers=bearer(guest["visitor_token"])
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_body")
    assert answer.json()["issues"][0]["path"] == ["body", problem]
    session.expire_all()
    assert session.exec(select(WebChatMessage)).all() == []


def forged_tokens(chat_id: str, other_chat_id: str, real: str) -> list[str]:
    claims = jwt.decode(real, options={"verify_signature": False})
    head, body, signature = real.split(".")
    guessed = "a-guessed-signing-key-of-32-bytes!"
    return [
        "not-a-token",
        jwt.encode(claims, guessed, algorithm="HS256"),
        jwt.encode({**claims, "aud": other_chat_id}, guessed, algorithm="HS256"),
        jwt.encode({**claims, "exp": 1}, guessed, algorithm="HS256"),
        f"{head}.{body}.{signature[:-2]}AA",
        jwt.encode({**claims, "alg": "none"}, None, algorithm="none"),
    ]


def test_forged_or_foreign_visitor_tokens_are_refused(client, session):
    chat = web_chat(session)
    other = web_chat(session, token="another-webhook-token")
    guest = visitor(client, chat.id)
    foreign = visitor(client, other.id)["visitor_token"]
    for token in [*forged_tokens(chat.id, other.id, guest["visitor_token"]), foreign]:
        answer = write(client, chat.id, token, "let me in", "forged")
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_visitor_token")
        answer = history(client, chat.id, token)
        assert answer.status_code == 401
        answer = client.get(f"/api/webchat/{chat.id}/stream", params={"token": token})
        assert answer.status_code == 401
    session.expire_all()
    assert session.exec(select(WebChatMessage)).all() == []


def test_two_visitors_never_see_each_other_s_messages(client, session):
    chat = web_chat(session)
    ann, bob = visitor(client, chat.id), visitor(client, chat.id)
    write(client, chat.id, ann["visitor_token"], "Ann's secret", "a-1")
    write(client, chat.id, bob["visitor_token"], "Bob's secret", "b-1")
    deliver(client, chat.id, ann["visitor_id"], "For Ann only", "reply-a")
    assert texts(history(client, chat.id, ann["visitor_token"])) == ["Ann's secret", "For Ann only"]
    assert texts(history(client, chat.id, bob["visitor_token"])) == ["Bob's secret"]


def test_history_pages_run_back_from_the_newest(client, session):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    token = guest["visitor_token"]
    for number in range(5):
        write(client, chat.id, token, f"message {number}", f"m-{number}")
    newest = history(client, chat.id, token, limit=2).json()["data"]
    assert [item["text"] for item in newest["items"]] == ["message 3", "message 4"]
    middle = history(client, chat.id, token, limit=2, before=newest["next_before"]).json()["data"]
    assert [item["text"] for item in middle["items"]] == ["message 1", "message 2"]
    oldest = history(client, chat.id, token, limit=2, before=middle["next_before"]).json()["data"]
    assert [item["text"] for item in oldest["items"]] == ["message 0"]
    assert oldest["next_before"] is None
    answer = history(client, chat.id, token, before="garbage")
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_cursor")
    answer = history(client, chat.id, token, limit=101)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_query")


def test_deliveries_need_the_channel_s_token_and_are_stored_once(client, session):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    write(client, chat.id, guest["visitor_token"], "hi", "m-1")
    refused = deliver(client, chat.id, guest["visitor_id"], "forged reply", "k-1", token="wrong")
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")
    first = deliver(client, chat.id, guest["visitor_id"], "Hello!", "k-1")
    again = deliver(client, chat.id, guest["visitor_id"], "Hello!", "k-1")
    assert first.status_code == 200
    assert first.json()["data"]["message_id"] == again.json()["data"]["message_id"]
    unknown = deliver(client, chat.id, "wv_nobody", "Hello?", "k-2")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "visitor_not_found")
    items = history(client, chat.id, guest["visitor_token"]).json()["data"]["items"]
    shown = [(item["role"], item["text"]) for item in items]
    assert shown == [("visitor", "hi"), ("agent", "Hello!")]


def test_only_the_sites_a_chat_allows_may_embed_it(client, session):
    chat = web_chat(session, allowed=f"{SHOP}, https://blog.example:8443\n")
    site = "X-Web-Chat-Site"
    for allowed in ("", SHOP, "https://SHOP.example/", "https://blog.example:8443"):
        guest = visitor(client, chat.id, **{site: allowed})
        answer = write(client, chat.id, guest["visitor_token"], "hi", "m", **{site: allowed})
        assert answer.status_code == 201, allowed
    guest = visitor(client, chat.id)
    for refused in ("https://evil.example", "http://shop.example", "https://blog.example"):
        for answer in (
            client.get(f"/api/webchat/{chat.id}", headers={site: refused}),
            client.post(f"/api/webchat/{chat.id}/visitors", headers={site: refused}),
            write(client, chat.id, guest["visitor_token"], "hi", "x", **{site: refused}),
        ):
            assert (answer.status_code, answer.json()["error"]) == (403, "origin_not_allowed")
    hosted_only = web_chat(session)
    answer = client.get(f"/api/webchat/{hosted_only.id}", headers={site: SHOP})
    assert answer.status_code == 403


def test_a_visitor_past_the_message_limit_is_told_when_to_try_again(client, session):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    answers = [write(client, chat.id, guest["visitor_token"], "spam", f"m-{n}") for n in range(21)]
    assert [answer.status_code for answer in answers] == [201] * 20 + [429]
    assert answers[-1].json()["error"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    other = visitor(client, chat.id)
    assert write(client, chat.id, other["visitor_token"], "hello", "o-1").status_code == 201


def test_new_visitors_from_one_address_are_bounded(client, session):
    chat = web_chat(session)
    answers = [client.post(f"/api/webchat/{chat.id}/visitors") for _ in range(31)]
    assert [answer.status_code for answer in answers] == [201] * 30 + [429]


@contextmanager
def streamed_events(url: str, params: dict[str, str]) -> Iterator[list[dict]]:
    """The stream's `message` events, collected in a thread while the block runs."""
    events: list[dict] = []
    stop = threading.Event()

    def read() -> None:
        with httpx.stream("GET", url, params=params, timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[len("data: ") :]))
                if stop.is_set():
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield events
    finally:
        stop.set()


def test_the_stream_gives_new_messages_as_they_are_stored(client, session, api_url):
    chat = web_chat(session)
    guest = visitor(client, chat.id)
    token = guest["visitor_token"]
    earlier = write(client, chat.id, token, "before the stream", "m-0").json()["data"]
    url = f"{api_url}/api/webchat/{chat.id}/stream"
    with streamed_events(url, {"token": token, "after": earlier["id"]}) as events:
        time.sleep(0.5)
        deliver(client, chat.id, guest["visitor_id"], "live reply", "k-live")
        wait_until(lambda: "live reply" in [event["text"] for event in events], 10, "live reply")
        deliver(client, chat.id, guest["visitor_id"], "live reply", "k-live")
        write(client, chat.id, token, "and me", "m-1")
        wait_until(lambda: "and me" in [event["text"] for event in events], 10, "own message")
    shown = [event["text"] for event in events if event["text"] != "before the stream"]
    assert shown == ["live reply", "and me"]
    assert len({event["id"] for event in events}) == len(events)


def test_the_stream_refuses_a_site_the_chat_does_not_allow(client, session):
    chat = web_chat(session, allowed=SHOP)
    token = visitor(client, chat.id)["visitor_token"]
    url = f"/api/webchat/{chat.id}/stream"
    refused = client.get(url, params={"token": token, "site": "https://evil.example"})
    assert (refused.status_code, refused.json()["error"]) == (403, "origin_not_allowed")
