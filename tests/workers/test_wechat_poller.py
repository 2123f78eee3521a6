"""The WeChat pollers against a fake iLink, on both databases: messages stored once and
forwarded, the cursor kept across restarts and failed batches, -14, backoff, disconnects, leases
across two pollers, and replies going back through `sendmessage`."""

import asyncio
import base64
import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from clawscale.db import session_scope
from clawscale.domain.channels import wechat_polling
from clawscale.domain.channels.store import channel_credentials
from clawscale.domain.channels.wechat_personal import disconnect_channel
from clawscale.models import Channel, DeliveryRoute, EndUser, InboundEvent
from clawscale.workers import wechat_poller
from clawscale.workers.inbound import InboundWorker
from clawscale.workers.wechat_poller import WeChatPollers
from tests.channels.wechat import SETTINGS, connected_channel, signed_in_customer
from tests.factories import default_agent
from tests.fakes.http_server import FakeResponse
from tests.fakes.ilink import encode_cursor, fake_ilink
from tests.fakes.runtime import fake_runtime
from tests.passes import run_passes, send_due

OUTBOUND_KEY = {"Authorization": "Bearer dev-outbound-api-key"}
IMAGE = {"type": 2, "image_item": {"media": {"encrypt_query_param": "abc"}}}


@pytest.fixture
def runtime():
    with fake_runtime() as fake:
        yield fake


@pytest.fixture
def ilink():
    with fake_ilink(hold_seconds=0.4) as fake:
        yield fake


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.05)
    monkeypatch.setattr(wechat_poller, "MAX_BACKOFF_SECONDS", 0.4)


@pytest.fixture
def owner(db, session, runtime):
    default_agent(session, runtime.endpoint)
    return signed_in_customer(session)


@pytest.fixture
def bot(ilink):
    return ilink.add_bot("bot-ada@im.bot")


@pytest.fixture
def channel(session, owner, ilink, bot):
    return connected_channel(session, owner.customer, ilink, bot)


@contextlib.contextmanager
def running_pollers(engine, settings=SETTINGS, **options) -> Iterator[WeChatPollers]:
    """A `WeChatPollers` running on its own event loop in a thread until the block ends."""
    pollers = WeChatPollers(engine, settings, scan_seconds=0.1, long_poll_seconds=0.4, **options)
    loop = asyncio.new_event_loop()
    task = loop.create_task(pollers.run())

    def run() -> None:
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield pollers
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(15)
        loop.close()
        assert not thread.is_alive()


def wait_until(condition, seconds=15.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def events(session):
    session.expire_all()
    return session.exec(select(InboundEvent).order_by(InboundEvent.created_at)).all()


def reloaded(session, channel):
    session.expire_all()
    return session.get(Channel, channel.id)


def forward_all(engine, passes=4):
    run_passes(engine, InboundWorker, passes, SETTINGS)


def polled_cursors(ilink):
    return [
        request.json()["get_updates_buf"]
        for request in ilink.server.requests_to("/ilink/bot/getupdates")
    ]


JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n" + b"plan " * 600


def test_media_is_fetched_from_the_cdn_decrypted_and_reaches_the_runtime_inline(
    db, session, channel, ilink, bot, runtime
):
    photo = ilink.cdn_item("image", JPEG)
    plan = ilink.cdn_item("file", PDF, key_in_media=True, file_name="plan.pdf")
    too_big = ilink.cdn_item("video", b"\x00" * (2 * 1024 * 1024 + 1))
    lost = ilink.cdn_item("image", JPEG)
    lost["image_item"]["media"]["full_url"] = f"{ilink.url}/cdn/gone"
    ilink.inject(
        bot, items=[{"type": 1, "text_item": {"text": "look"}}, photo, plan, too_big, lost]
    )
    with running_pollers(db):
        wait_until(lambda: reloaded(session, channel).poll_cursor == encode_cursor(1))
    [event] = events(session)
    stored = event.payload["attachments"]
    urls = [attachment.get("url", "").partition(",") for attachment in stored]
    assert [head for head, _, _ in urls] == [
        "data:image/jpeg;base64",
        "data:application/pdf;base64",
        "",
        "",
    ]
    assert [base64.b64decode(data) for _, _, data in urls[:2]] == [JPEG, PDF]
    assert [attachment.get("size") for attachment in stored] == [len(JPEG), len(PDF), None, None]
    forward_all(db)
    [message] = runtime.accepted
    assert message.text == "look"
    assert [(a["contentType"], a["filename"], a["size"]) for a in message.attachments] == [
        ("image/jpeg", "image.jpg", len(JPEG)),
        ("application/pdf", "plan.pdf", len(PDF)),
    ]


def test_messages_are_stored_once_forwarded_and_the_cursor_saved(
    db, session, channel, ilink, bot, runtime
):
    first = ilink.inject(bot, "ni hao")
    ilink.inject(bot, "our own reply", message_type=2)
    last = ilink.inject(bot, items=[IMAGE], from_user_id="wxid_other")
    with running_pollers(db):
        wait_until(lambda: reloaded(session, channel).poll_cursor == encode_cursor(3))
    stored = events(session)
    assert [event.provider_message_id for event in stored] == [
        str(first["message_id"]),
        str(last["message_id"]),
    ]
    assert [event.payload["text"] for event in stored] == ["ni hao", ""]
    image = {"type": "image", "item": IMAGE, "filename": "image.jpg", "contentType": "image/jpeg"}
    assert stored[1].payload["attachments"] == [image]
    senders = {end_user.external_id for end_user in session.exec(select(EndUser)).all()}
    assert senders == {"wxid_peer", "wxid_other"}
    route = session.exec(
        select(DeliveryRoute).where(DeliveryRoute.external_end_user_id == "wxid_peer")
    ).one()
    assert route.provider_context == {"context_token": first["context_token"]}
    assert reloaded(session, channel).last_activity_at is not None

    forward_all(db)
    assert runtime.texts() == ["ni hao"]
    [accepted] = runtime.accepted
    assert (accepted.channel_scope, accepted.coke_account_id) == (
        "personal",
        channel.owner_customer_id,
    )
    assert accepted.clawscale_user_id
    [image_only] = runtime.ignored
    assert image_only.body["messages"][0]["attachments"] == [image]
    forwarded = [message.body["metadata"] for message in runtime.accepted + runtime.ignored]
    assert {metadata["platform"] for metadata in forwarded} == {"wechat_personal"}
    assert {metadata["channelScope"] for metadata in forwarded} == {"personal"}
    assert ilink.header_problems == []


def test_a_stopped_poller_resumes_from_the_stored_cursor(db, session, channel, ilink, bot):
    ilink.inject(bot, "one")
    ilink.inject(bot, "two")
    with running_pollers(db):
        wait_until(lambda: count(session, InboundEvent) == 2)
    saved = reloaded(session, channel).poll_cursor
    assert saved == encode_cursor(2)
    ilink.inject(bot, "three")
    polls_before_restart = len(polled_cursors(ilink))
    with running_pollers(db):
        wait_until(lambda: count(session, InboundEvent) == 3)
    assert polled_cursors(ilink)[polls_before_restart] == saved
    assert [event.payload["text"] for event in events(session)] == ["one", "two", "three"]


def test_stopping_during_a_scan_gives_back_the_lease_that_scan_renews(
    db, session, channel, monkeypatch
):
    real_hold = wechat_polling.hold_channels
    scans = []
    second_scan_started, second_scan_ended = threading.Event(), threading.Event()

    def slow_hold(*args):
        scans.append(args)
        if len(scans) != 2:
            return real_hold(*args)
        second_scan_started.set()
        time.sleep(0.5)
        try:
            return real_hold(*args)
        finally:
            second_scan_ended.set()

    monkeypatch.setattr(wechat_poller, "hold_channels", slow_hold)
    with running_pollers(db):
        assert second_scan_started.wait(15), "no second scan"
    assert second_scan_ended.wait(15), "the second scan never ended"
    assert reloaded(session, channel).lease_owner is None


def test_a_batch_whose_store_fails_is_polled_again_and_stored_once(
    db, session, channel, ilink, bot, monkeypatch, runtime
):
    real_store = wechat_polling.store_batch
    crashes = []

    def store_then_die(writer, *args):
        real_store(writer, *args)
        if not crashes:
            crashes.append(writer.exec(select(func.count()).select_from(InboundEvent)).one())
            raise RuntimeError("the process died before the batch committed")

    monkeypatch.setattr(wechat_poller, "store_batch", store_then_die)
    for text in ("one", "two", "three"):
        ilink.inject(bot, text)
    with running_pollers(db):
        wait_until(lambda: reloaded(session, channel).poll_cursor == encode_cursor(3))
    assert crashes == [3]
    assert [event.payload["text"] for event in events(session)] == ["one", "two", "three"]
    assert polled_cursors(ilink)[:2] == ["", ""]
    forward_all(db)
    assert runtime.texts() == ["one", "two", "three"]


def test_a_redelivered_message_is_stored_once(db, session, channel, ilink, bot):
    message = ilink.inject(bot, "once")
    with running_pollers(db):
        wait_until(lambda: count(session, InboundEvent) == 1)
        ilink.inject(bot, "once", message_id=message["message_id"])
        wait_until(lambda: reloaded(session, channel).poll_cursor == encode_cursor(2))
    assert count(session, InboundEvent) == 1


def test_session_expired_needs_a_new_login_and_stops_polling(db, session, channel, ilink, bot):
    with running_pollers(db) as pollers:
        wait_until(lambda: len(polled_cursors(ilink)) >= 1)
        ilink.expire_session(bot)
        wait_until(lambda: reloaded(session, channel).status == "error")
        polls = len(polled_cursors(ilink))
        time.sleep(1.0)
        assert len(polled_cursors(ilink)) == polls
        assert pollers.tasks == {}
    row = reloaded(session, channel)
    assert row.last_error == "session_expired"
    assert row.lease_owner is None
    assert channel_credentials(SETTINGS, row).secrets.get("bot_token") == ""


def test_other_errors_back_off_then_polling_recovers(db, session, channel, ilink, bot, monkeypatch):
    monkeypatch.setattr("clawscale.domain.queue.leases.BACKOFF_BASE_SECONDS", 0.3)
    ilink.fail_next_updates(FakeResponse(200, {"ret": -1, "errmsg": "busy"}), FakeResponse(502))
    with running_pollers(db):
        wait_until(lambda: "ret=-1" in (reloaded(session, channel).last_error or ""))
        wait_until(lambda: "HTTP 502" in (reloaded(session, channel).last_error or ""))
        ilink.inject(bot, "after the storm")
        wait_until(lambda: count(session, InboundEvent) == 1)
    row = reloaded(session, channel)
    assert row.status == "connected"
    assert row.last_error is None
    assert len(polled_cursors(ilink)) >= 3


def test_disconnect_stops_polling(db, session, owner, channel, ilink):
    with running_pollers(db) as pollers:
        wait_until(lambda: channel.id in pollers.tasks)
        wait_until(lambda: len(polled_cursors(ilink)) >= 1)
        with session_scope(db) as writer:
            disconnect_channel(writer, SETTINGS, owner.customer.id)
        wait_until(lambda: pollers.tasks == {})
        polls = len(polled_cursors(ilink))
        time.sleep(1.0)
        assert len(polled_cursors(ilink)) == polls
    assert reloaded(session, channel).lease_owner is None


def test_two_pollers_never_poll_one_channel(db, session, ilink, runtime):
    default_agent(session, runtime.endpoint)
    channels = []
    for index in range(4):
        owner = signed_in_customer(session, name=f"Owner{index}")
        channels.append(connected_channel(session, owner.customer, ilink, ilink.add_bot()))
    with running_pollers(db) as first, running_pollers(db) as second:
        wait_until(lambda: len(first.tasks) + len(second.tasks) == 4)
        for round_number in range(3):
            for bot in ilink.bots.values():
                ilink.inject(bot, f"round {round_number}")
            time.sleep(0.2)
        wait_until(lambda: count(session, InboundEvent) == 12)
        owners = {reloaded(session, row).lease_owner for row in channels}
        assert owners <= {first.worker_id, second.worker_id}
        assert set(first.tasks).isdisjoint(second.tasks)
    assert set(ilink.max_concurrent_polls.values()) == {1}
    assert len(ilink.max_concurrent_polls) == 4


def test_a_stopped_pollers_channels_are_taken_over(db, session, channel, ilink, bot):
    with running_pollers(db) as first:
        wait_until(lambda: channel.id in first.tasks)
    assert reloaded(session, channel).lease_owner is None
    with running_pollers(db) as second:
        wait_until(lambda: reloaded(session, channel).lease_owner == second.worker_id)
        ilink.inject(bot, "still here")
        wait_until(lambda: count(session, InboundEvent) == 1)


def test_an_expired_lease_of_a_dead_poller_is_taken_over(db, session, channel, ilink, bot):
    row = reloaded(session, channel)
    row.lease_owner = "wechat-poller:dead-host:1:00000000"
    row.lease_expires_at = row.updated_at
    session.add(row)
    session.commit()
    ilink.inject(bot, "hello again")
    short_leases = SETTINGS.model_copy(update={"DELIVERY_LEASE_SECONDS": 2.0})
    with running_pollers(db, short_leases) as pollers:
        wait_until(lambda: count(session, InboundEvent) == 1)
        assert reloaded(session, channel).lease_owner == pollers.worker_id


def runtime_metadata(runtime):
    [body] = runtime.messages
    return body["metadata"]


def test_a_reply_goes_back_through_sendmessage_with_the_context_token(
    client, db, session, channel, ilink, bot, runtime
):
    message = ilink.inject(bot, "what time is it?")
    with running_pollers(db):
        wait_until(lambda: count(session, InboundEvent) == 1)
    forward_all(db)
    metadata = runtime_metadata(runtime)
    reply = {
        "output_id": "out-1",
        "customer_id": metadata["customerId"],
        "business_conversation_key": metadata["businessConversationKey"],
        "message_type": "text",
        "delivery_mode": "push",
        "expect_output_timestamp": "2026-11-24T10:00:00Z",
        "idempotency_key": "idem-wechat-1",
        "trace_id": "trace-1",
        "text": "It is tea time.",
    }
    response = client.post("/api/outbound", json=reply, headers=OUTBOUND_KEY)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "queued"
    assert send_due(db, SETTINGS) == 1
    [sent] = ilink.sent
    assert sent["msg"]["to_user_id"] == "wxid_peer"
    assert sent["msg"]["context_token"] == message["context_token"]
    assert sent["msg"]["client_id"] == "idem-wechat-1"
    assert sent["msg"]["item_list"] == [{"type": 1, "text_item": {"text": "It is tea time."}}]
    [request] = ilink.server.requests_to("/ilink/bot/sendmessage")
    assert request.headers["authorization"] == f"Bearer {bot.bot_token}"
    assert ilink.header_problems == []

    ilink.fail_next_sends(FakeResponse(200, {"ret": -1, "errmsg": "busy"}))
    second = client.post(
        "/api/outbound",
        json={**reply, "idempotency_key": "idem-wechat-2", "output_id": "out-2", "text": "Again"},
        headers=OUTBOUND_KEY,
    )
    assert second.json()["status"] == "queued"
    wait_until(lambda: send_due(db, SETTINGS) >= 0 and ilink.sent_texts()[-1] == "Again")
    assert ilink.sent_texts() == ["It is tea time.", "Again"]
    assert ilink.sent[-1]["msg"]["client_id"] == "idem-wechat-2"


def test_an_immediate_reply_goes_back_to_the_peer(db, session, channel, ilink, bot, runtime):
    runtime.replies.append({"reply": "Hello from the agent"})
    message = ilink.inject(bot, "hi")
    with running_pollers(db):
        wait_until(lambda: count(session, InboundEvent) == 1)
    forward_all(db)
    send_due(db, SETTINGS)
    [sent] = ilink.sent
    assert sent["msg"]["context_token"] == message["context_token"]
    assert sent["msg"]["to_user_id"] == "wxid_peer"
    assert ilink.sent_texts() == ["Hello from the agent"]
