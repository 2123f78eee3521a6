"""Google Calendar import over real HTTP on both databases: the runtime's hand-off call, the
customer's claim, preflight, start, Google's callback and the run's outcome.

Google is `tests/fakes/google.py` (its OAuth server and Calendar API), the runtime
`tests/fakes/runtime.py` (Coke's bridge, with its calendar preflight and import endpoints).
The callback's import runs after the redirect is answered, so tests wait for the run to end.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, select

from clawscale.domain.accounts.sessions import issue_session
from clawscale.domain.calendar_import.handoffs import token_digest, visitor_entry
from clawscale.models import (
    CalendarImportHandoff,
    CalendarImportRun,
    ClaimStatus,
    Customer,
    EndUser,
    ExternalIdentity,
    Identity,
    Membership,
    SessionSubject,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from tests.factories import default_agent, evolution_channel
from tests.fakes.google import FakeGoogle, calendar_event, fake_google
from tests.fakes.http_server import FakeResponse
from tests.fakes.runtime import CALENDAR_IMPORT_RUN_PATH, FakeRuntime, fake_runtime
from tests.processes import wait_until

IDENTITY_AUTH = {"Authorization": "Bearer dev-identity-api-key"}
SENDER = "15550001111"
SETTINGS = Settings(_env_file=None)


@dataclass(frozen=True)
class ChatPerson:
    """A customer made for a WhatsApp sender, and the ids the runtime knows them by."""

    customer: Customer
    identity: Identity
    channel_id: str
    end_user_id: str


@dataclass(frozen=True)
class World:
    runtime: FakeRuntime
    google: FakeGoogle
    chat: ChatPerson


def chat_person(session: Session, channel_id: str, status=ClaimStatus.UNCLAIMED) -> ChatPerson:
    identity = Identity(display_name="Chat user", claim_status=status)
    customer = Customer(display_name="Chat user")
    session.add_all([identity, customer])
    session.commit()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.add(
        ExternalIdentity(
            provider="whatsapp_evolution",
            identity_type="wa_id",
            identity_value=SENDER,
            customer_id=customer.id,
        )
    )
    end_user = EndUser(channel_id=channel_id, external_id=SENDER, customer_id=customer.id)
    session.add(end_user)
    session.commit()
    return ChatPerson(customer, identity, channel_id, end_user.id)


def signed_in(session: Session, person: ChatPerson | None = None, email="ada@example.com"):
    """Bearer headers of an active customer (the chat person, made active, when given)."""
    if person is None:
        identity = Identity(display_name="Ada", email=email, claim_status=ClaimStatus.ACTIVE)
        customer = Customer(display_name="Ada")
        session.add_all([identity, customer])
        session.commit()
        session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    else:
        identity = session.get(Identity, person.identity.id)
        identity.claim_status = ClaimStatus.ACTIVE
        identity.email = email
        identity.email_verified_at = utcnow()
        session.add(identity)
    issued = issue_session(
        session, SessionSubject.CUSTOMER, identity.id, SETTINGS.CUSTOMER_JWT_SECRET
    )
    session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
def world(session, use_settings) -> Iterator[World]:
    with fake_runtime() as runtime, fake_google() as google:
        use_settings(
            GOOGLE_CALENDAR_CLIENT_ID=google.client_id,
            GOOGLE_CALENDAR_CLIENT_SECRET=google.client_secret,
            GOOGLE_OAUTH_AUTHORIZE_URL=google.authorize_url,
            GOOGLE_OAUTH_TOKEN_URL=google.token_url,
            GOOGLE_CALENDAR_API_URL=google.calendar_api_url,
        )
        default_agent(session, runtime.endpoint)
        channel = evolution_channel(session, "http://127.0.0.1:9")
        yield World(runtime, google, chat_person(session, channel.id))


def hand_off(client, chat: ChatPerson, **changes) -> httpx.Response:
    body = {
        "source_customer_id": chat.customer.id,
        "tenant_id": "coke",
        "channel_id": chat.channel_id,
        "end_user_id": chat.end_user_id,
        "external_id": SENDER,
        "gateway_conversation_id": "gw-conv-1",
        "business_conversation_key": "biz-key-1",
        **changes,
    }
    return client.post("/api/internal/calendar-import-handoffs", json=body, headers=IDENTITY_AUTH)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def handoff_token(client, chat: ChatPerson) -> str:
    created = hand_off(client, chat)
    assert created.status_code == 200
    return token_of(created.json()["data"]["url"])


def run_row(session: Session, run_id: str) -> CalendarImportRun:
    session.expire_all()
    return session.get(CalendarImportRun, run_id)


def finished(session: Session, run_id: str) -> CalendarImportRun:
    wait_until(lambda: run_row(session, run_id).finished_at is not None, seconds=10)
    return run_row(session, run_id)


def through_google(client, start_url: str) -> httpx.Response:
    """Follow Google's consent redirect back to our callback; the callback's answer."""
    consent = httpx.get(start_url, follow_redirects=False)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def started(client, headers, **body) -> dict:
    answer = client.post("/api/customer/google-calendar-import/start", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


# --- the runtime's hand-off call ------------------------------------------------------------


def test_the_runtime_gets_a_single_use_link_that_only_its_hash_is_stored_for(
    client, world, session
):
    created = hand_off(client, world.chat)
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["url"].startswith(f"{SETTINGS.DOMAIN_CLIENT}/handoff/calendar-import?token=")
    expires = datetime.fromisoformat(data["expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    [row] = session.exec(select(CalendarImportHandoff)).all()
    assert row.token_hash == token_digest(token_of(data["url"]))
    assert (row.status, row.provider, row.identity_type, row.identity_value) == (
        "pending",
        "whatsapp_evolution",
        "wa_id",
        SENDER,
    )


def test_the_hand_off_call_needs_the_identity_key_and_every_field(client, world):
    assert hand_off(client, world.chat).status_code == 200
    no_key = client.post("/api/internal/calendar-import-handoffs", json={})
    assert (no_key.status_code, no_key.json()["error"]) == (401, "unauthorized")
    blank = hand_off(client, world.chat, business_conversation_key="  ")
    assert (blank.status_code, blank.json()["error"]) == (400, "invalid_body")
    stranger = hand_off(client, world.chat, source_customer_id="ck_nobody")
    assert (stranger.status_code, stranger.json()["error"]) == (404, "customer_not_found")


# --- opening the link -----------------------------------------------------------------------


def test_a_signed_out_chat_person_is_sent_to_claim_their_account_first(client, world, session):
    token = handoff_token(client, world.chat)
    entry = visitor_entry(session, SETTINGS, token)
    assert entry.startswith("/auth/claim-entry?entry=")
    params = parse_qs(urlsplit(entry).query)
    assert params["next"] == [f"/handoff/calendar-import?token={token}"]
    signed_in(session, world.chat)
    assert visitor_entry(session, SETTINGS, token).startswith("/auth/login?next=")


def test_claiming_moves_the_chat_identity_to_the_signed_in_account(client, world, session):
    token = handoff_token(client, world.chat)
    headers = signed_in(session)
    claimed = client.post(
        "/api/customer/calendar-import-handoffs/claim", json={"token": token}, headers=headers
    )
    assert claimed.status_code == 200
    assert claimed.json()["data"] == {
        "status": "claimed",
        "continue_to": f"/account/calendar-import?handoff={token}",
    }
    session.expire_all()
    [sender] = session.exec(select(ExternalIdentity)).all()
    owner = session.exec(
        select(Membership).where(Membership.identity_id != world.chat.identity.id)
    ).one()
    assert sender.customer_id == owner.customer_id


def test_claim_errors_are_the_seeds(client, world, session):
    token = handoff_token(client, world.chat)
    claim = "/api/customer/calendar-import-handoffs/claim"
    assert client.post(claim, json={"token": token}).status_code == 401
    headers = signed_in(session)
    unknown = client.post(claim, json={"token": "nope"}, headers=headers)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "invalid_handoff")
    other = signed_in(session, email="grace@example.com")
    assert client.post(claim, json={"token": token}, headers=other).status_code == 200
    taken = client.post(claim, json={"token": handoff_token(client, world.chat)}, headers=headers)
    assert (taken.status_code, taken.json()["error"]) == (409, "identity_already_bound")
    row = session.exec(select(CalendarImportHandoff)).first()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    expired = client.post(claim, json={"token": token}, headers=other)
    assert (expired.status_code, expired.json()["error"]) == (409, "expired_handoff")


def test_a_customer_not_yet_active_cannot_claim(client, world, session):
    pending = Identity(display_name="P", email="p@example.com", claim_status=ClaimStatus.PENDING)
    customer = Customer(display_name="P")
    session.add_all([pending, customer])
    session.commit()
    session.add(Membership(identity_id=pending.id, customer_id=customer.id))
    issued = issue_session(
        session, SessionSubject.CUSTOMER, pending.id, SETTINGS.CUSTOMER_JWT_SECRET
    )
    session.commit()
    refused = client.post(
        "/api/customer/calendar-import-handoffs/claim",
        json={"token": handoff_token(client, world.chat)},
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "account_not_active")
    status = client.get(
        "/api/customer/google-calendar-import/status",
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert (status.status_code, status.json()["error"]) == (403, "claim_inactive")


# --- preflight and start --------------------------------------------------------------------


def test_preflight_is_ready_when_the_runtime_knows_a_conversation(client, world, session):
    headers = signed_in(session, world.chat)
    path = "/api/customer/google-calendar-import/preflight"
    missing = client.get(path, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (503, "conversation_required")
    world.runtime.add_conversation(world.chat.customer.id)
    ready = client.get(path, headers=headers)
    assert ready.status_code == 200
    assert ready.json()["data"] == {"ready": True, "latestRun": None}
    assert world.runtime.calendar_preflights[-1]["customer_id"] == world.chat.customer.id


def test_preflight_says_why_an_import_cannot_start(client, world, session, use_settings):
    headers = signed_in(session, world.chat)
    customer = session.get(Customer, world.chat.customer.id)
    customer.suspended = True
    session.add(customer)
    session.commit()
    path = "/api/customer/google-calendar-import/preflight"
    assert client.get(path, headers=headers).json()["data"] == {
        "ready": False,
        "blockedReason": "account_suspended",
        "latestRun": None,
    }
    start = client.post("/api/customer/google-calendar-import/start", headers=headers)
    assert (start.status_code, start.json()["error"]) == (403, "account_suspended")
    customer.suspended = False
    session.add(customer)
    session.commit()
    use_settings()
    assert client.get(path, headers=headers).json()["data"]["blockedReason"] == (
        "google_calendar_not_configured"
    )


def test_start_asks_google_for_read_only_consent_with_pkce(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    url = urlsplit(data["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == world.google.authorize_url
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == world.google.client_id
    assert query["redirect_uri"].endswith("/api/customer/google-calendar-import/callback/google")
    assert set(query["scope"].split()) == {
        "https://www.googleapis.com/auth/calendar.events.readonly",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    }
    run = run_row(session, data["runId"])
    assert (run.status, run.trigger_source) == ("authorizing", "manual_web")
    assert (
        run.code_verifier_encrypted and query["code_challenge"] not in run.code_verifier_encrypted
    )


def test_a_second_start_replaces_one_waiting_at_google(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    headers = signed_in(session, world.chat)
    first = started(client, headers)["runId"]
    second = started(client, headers)["runId"]
    assert (run_row(session, first).status, run_row(session, first).error_summary) == (
        "failed",
        "superseded",
    )
    assert run_row(session, second).status == "authorizing"


def test_a_start_while_one_imports_is_refused_not_doubled(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    world.runtime.server.hang("POST", CALENDAR_IMPORT_RUN_PATH)
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    assert through_google(client, data["url"]).status_code == 302
    wait_until(lambda: run_row(session, data["runId"]).status == "importing", seconds=5)
    again = client.post("/api/customer/google-calendar-import/start", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "import_in_progress")
    runs = session.exec(select(CalendarImportRun)).all()
    assert len(runs) == 1


# --- Google's callback and the run ----------------------------------------------------------


def test_the_whole_import_from_hand_off_to_a_succeeded_run(client, world, session, caplog):
    caplog.set_level(logging.DEBUG)
    world.google.events = [
        calendar_event("Dentist", datetime(2027, 1, 5, 9), datetime(2027, 1, 5, 10)),
        calendar_event("Holiday", date(2027, 2, 1), date(2027, 2, 2)),
    ]
    world.runtime.add_conversation(world.chat.customer.id, "biz-key-1")
    token = handoff_token(client, world.chat)
    headers = signed_in(session, world.chat)
    claim = "/api/customer/calendar-import-handoffs/claim"
    assert client.post(claim, json={"token": token}, headers=headers).status_code == 200
    data = started(client, headers, handoff=token)
    back = through_google(client, data["url"])
    assert back.status_code == 302
    assert back.headers["location"] == (
        f"{SETTINGS.DOMAIN_CLIENT}/account/calendar-import"
        f"?googleCalendarImport=complete&runId={data['runId']}"
    )
    run = finished(session, data["runId"])
    assert (run.status, run.imported_count, run.trigger_source) == (
        "succeeded",
        2,
        "whatsapp_handoff",
    )
    assert (run.tokens_encrypted, run.code_verifier_encrypted) == (None, None)
    assert run.provider_account_email == world.google.email
    [sent] = world.runtime.calendar_imports
    assert sent.body["run_id"] == data["runId"]
    assert [event["summary"] for event in sent.body["events"]] == ["Dentist", "Holiday"]
    status = client.get(
        "/api/customer/google-calendar-import/status",
        params={"runId": data["runId"]},
        headers=headers,
    ).json()["data"]
    assert status["run"] == status["latestRun"]
    assert status["run"]["importedCount"] == 2
    [issued] = world.google.tokens_issued
    assert issued.access_token not in str(status)
    assert issued.access_token not in caplog.text
    session.expire_all()
    assert session.exec(select(CalendarImportHandoff)).one().status == "consumed"
    used = client.post(claim, json={"token": token}, headers=headers)
    assert (used.status_code, used.json()["error"]) == (409, "handoff_already_consumed")


def test_a_replayed_callback_changes_nothing(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    consent = httpx.get(data["url"], follow_redirects=False)
    back = urlsplit(consent.headers["location"])
    first = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    finished(session, data["runId"])
    replay = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert first.headers["location"] == replay.headers["location"]
    assert len(world.google.token_requests) == 1
    assert len(world.runtime.calendar_imports) == 1


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        ("deny", "access_denied"),
        ("expired_code", "invalid_grant"),
        ("calendar_error", "insufficientPermissions"),
        ("runtime_error", "bridge service not wired"),
    ],
)
def test_a_failed_import_says_why_and_keeps_no_token(client, world, session, break_it, reason):
    world.runtime.add_conversation(world.chat.customer.id)
    if break_it == "deny":
        world.google.consent = "deny"
    elif break_it == "expired_code":
        world.google.code_lifetime = 0
    elif break_it == "calendar_error":
        world.google.calendar_error = (403, "insufficientPermissions")
    else:
        world.runtime.calendar_run_failures.append(
            FakeResponse(500, {"ok": False, "error": "bridge service not wired"})
        )
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    back = through_google(client, data["url"])
    summary = parse_qs(urlsplit(back.headers["location"]).query)["googleCalendarImport"][0]
    run = finished(session, data["runId"])
    assert (run.status, run.error_summary) == ("failed", reason)
    assert (run.tokens_encrypted, run.code_verifier_encrypted) == (None, None)
    assert summary == ("error" if break_it in ("deny", "expired_code") else "complete")


def test_a_forged_state_is_refused_and_changes_no_run(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    forged = client.get(
        "/api/customer/google-calendar-import/callback/google",
        params={"state": "forged", "code": "abc"},
        follow_redirects=False,
    )
    assert forged.status_code == 302
    assert forged.headers["location"].endswith("?googleCalendarImport=error")
    assert run_row(session, data["runId"]).status == "authorizing"


def test_status_shows_only_the_callers_runs(client, world, session):
    world.runtime.add_conversation(world.chat.customer.id)
    headers = signed_in(session, world.chat)
    data = started(client, headers)
    path = "/api/customer/google-calendar-import/status"
    mine = client.get(path, headers=headers).json()["data"]
    assert list(mine) == ["latestRun"]
    assert mine["latestRun"]["status"] == "authorizing"
    other = signed_in(session, email="grace@example.com")
    theirs = client.get(path, params={"runId": data["runId"]}, headers=other).json()["data"]
    assert theirs == {"latestRun": None, "run": None}
