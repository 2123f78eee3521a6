"""`python -m clawscale import-seed`: a seed gateway's PostgreSQL database imported into ours
(SQLite and PostgreSQL), then used through our real API, workers and fakes of its peers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from clawscale.crypto import decrypt_text
from clawscale.domain.channels.store import channel_credentials
from clawscale.models import (
    AccessPass,
    AdminAccount,
    Agent,
    AgentBinding,
    Channel,
    Conversation,
    Customer,
    DeliveryRoute,
    EndUser,
    ExternalIdentity,
    Identity,
    Membership,
    OutboundDelivery,
)
from clawscale.settings import Settings
from clawscale.workers.inbound import InboundWorker
from tests.databases import fresh_database, postgres_server_url
from tests.fakes.evolution import fake_evolution, upsert_event
from tests.fakes.runtime import fake_runtime
from tests.passes import run_passes, send_due
from tests.switch_over import seed_rows
from tests.switch_over.seed_rows import (
    AGENT_TOKEN,
    CUSTOMER,
    EVOLUTION,
    EVOLUTION_TOKEN,
    LINQ,
    NUMBER,
    PASSWORD,
    ROUTE_KEY,
    SENT_KEY,
    WECHAT,
    reply_payload,
    seed_database,
)

pytestmark = pytest.mark.skipif(not postgres_server_url(), reason="the seed runs on PostgreSQL")

SETTINGS = Settings(_env_file=None)
EVOLUTION_API_KEY = "evo-key"
LINQ_API_KEY = "linq-key"
OUTBOUND_KEY = {"Authorization": f"Bearer {SETTINGS.CLAWSCALE_OUTBOUND_API_KEY}"}
TABLES = (
    "admins",
    "identities",
    "customers",
    "memberships",
    "agents",
    "agent bindings",
    "channels",
    "end users",
    "external identities",
    "conversations",
    "delivery routes",
    "access passes",
    "recent deliveries",
)


@pytest.fixture(scope="module")
def runtime():
    with fake_runtime(AGENT_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="module")
def seed_url(tmp_path_factory, runtime):
    with seed_database(tmp_path_factory.mktemp("seed"), runtime.endpoint) as url:
        yield url


def import_seed(project_root: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it, on our test database."""
    return subprocess.run(
        [sys.executable, "-m", "clawscale", "import-seed", *args],
        cwd=project_root,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "CLAWSCALE_SECRET_KEY": SETTINGS.CLAWSCALE_SECRET_KEY,
            "EVOLUTION_API_KEY": EVOLUTION_API_KEY,
            "LINQ_API_KEY": LINQ_API_KEY,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def report_rows(stdout: str) -> dict[str, list[int]]:
    """The report's counts per table: read, inserted, updated, unchanged, skipped."""
    rows = {}
    for line in stdout.splitlines():
        for table in TABLES:
            rest = line[len(table) :].split()
            if line.startswith(table) and len(rest) == 5 and all(part.isdigit() for part in rest):
                rows[table] = [int(part) for part in rest]
    return rows


@pytest.fixture
def imported(db, project_root, database_url, seed_url):
    result = import_seed(project_root, database_url, "--from", seed_url.replace("+psycopg", ""))
    assert result.returncode == 0, result.stderr
    return result


def count(session, model) -> int:
    session.expire_all()
    return len(session.exec(select(model)).all())


def test_every_kind_of_row_is_imported_with_the_seed_s_ids(imported, session):
    rows = report_rows(imported.stdout)
    assert list(rows) == list(TABLES)
    assert rows["channels"] == [5, 4, 0, 0, 1]
    assert rows["end users"] == [3, 2, 0, 0, 1]
    assert rows["conversations"] == [2, 1, 0, 0, 1]
    assert rows["recent deliveries"] == [2, 2, 0, 0, 0]
    assert "channels" in imported.stderr and "#" in imported.stderr
    [admin] = session.exec(select(AdminAccount)).all()
    assert admin.email == "ops@example.com"
    identity = session.get(Identity, seed_rows.IDENTITY)
    assert identity.claim_status == "active" and identity.email_verified_at is not None
    assert session.get(Customer, CUSTOMER).display_name == "Alice"
    assert count(session, Membership) == 1
    agents = session.exec(select(Agent).order_by(Agent.created_at)).all()
    assert [agent.is_default for agent in agents] == [True, False]
    assert decrypt_text(SETTINGS.CLAWSCALE_SECRET_KEY, agents[0].token_encrypted) == AGENT_TOKEN
    assert session.get(AgentBinding, "agb-1").provision_status == "ready"
    evolution = channel_credentials(SETTINGS, session.get(Channel, EVOLUTION))
    assert evolution.config == {"instance": "main"}
    assert evolution.secrets == {"webhook_token": EVOLUTION_TOKEN, "api_key": EVOLUTION_API_KEY}
    linq = channel_credentials(SETTINGS, session.get(Channel, LINQ))
    assert linq.secrets["signing_secret"] == "linq-signing-secret"
    assert linq.secrets["api_key"] == LINQ_API_KEY
    wechat = session.get(Channel, WECHAT)
    assert (wechat.scope, wechat.owner_customer_id) == ("personal", CUSTOMER)
    assert channel_credentials(SETTINGS, wechat).secrets == {"bot_token": "bot-token"}
    assert session.get(Channel, seed_rows.SLACK) is None
    assert session.get(EndUser, seed_rows.END_USER).customer_id == CUSTOMER
    assert session.get(ExternalIdentity, "xid-1").first_seen_channel_id == EVOLUTION
    [conversation] = session.exec(select(Conversation)).all()
    assert (conversation.id, conversation.business_conversation_key) == ("cv-1", ROUTE_KEY)
    [route] = session.exec(select(DeliveryRoute)).all()
    assert (route.customer_id, route.channel_id, route.external_end_user_id) == (
        CUSTOMER,
        EVOLUTION,
        NUMBER,
    )
    [access] = session.exec(select(AccessPass)).all()
    assert (access.amount_total, access.currency) == (999, "usd")
    statuses = {row.idempotency_key: row.status for row in session.exec(select(OutboundDelivery))}
    assert statuses == {SENT_KEY: "succeeded", "seed-failed-1": "dead"}


def test_an_imported_customer_signs_in_with_the_old_password_and_it_is_rehashed(
    imported, client, session
):
    wrong = client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": "not-it-at-all"}
    )
    assert wrong.status_code == 401
    assert session.get(Identity, seed_rows.IDENTITY).password_hash.startswith("$2a$")
    response = client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    signed_in = response.json()["data"]
    assert (signed_in["customer_id"], signed_in["identity_id"]) == (CUSTOMER, seed_rows.IDENTITY)
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {signed_in['token']}"})
    assert me.json()["data"]["subscription_active"] is True
    session.expire_all()
    upgraded = session.get(Identity, seed_rows.IDENTITY).password_hash
    assert upgraded.startswith("$argon2id$")
    again = client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert again.status_code == 200


def test_an_imported_admin_signs_in_with_the_old_password_and_it_is_rehashed(
    imported, client, session
):
    credentials = {"email": "ops@example.com", "password": seed_rows.ADMIN_PASSWORD}
    assert (
        client.post("/api/admin/login", json={**credentials, "password": "nope-nope"}).status_code
        == 401
    )
    response = client.post("/api/admin/login", json=credentials)
    assert response.status_code == 200, response.text
    session.expire_all()
    [admin] = session.exec(select(AdminAccount)).all()
    assert admin.password_hash.startswith("$argon2id$")


def test_a_runtime_reply_to_an_imported_route_goes_out_through_the_imported_channel(
    imported, db, client
):
    with fake_evolution("main", EVOLUTION_API_KEY) as evolution:
        settings = Settings(_env_file=None, EVOLUTION_API_BASE_URL=evolution.url)
        reply = {
            **reply_payload("after-switch-1"),
            "trace_id": "trace-1",
            "expect_output_timestamp": "2026-12-05T10:00:00Z",
        }
        response = client.post("/api/outbound", json=reply, headers=OUTBOUND_KEY)
        assert response.status_code == 200, response.text
        assert send_due(db, settings) == 1
        assert evolution.sent == [("sendText", {"number": NUMBER, "text": "Hello from the agent"})]


def test_a_reply_the_seed_already_sent_is_a_duplicate_not_sent_again(imported, client):
    retry = {
        name: value
        for name, value in reply_payload(SENT_KEY).items()
        if name not in ("mediaUrls", "audioAsVoice")
    }
    retry.update(trace_id="trace-2", expect_output_timestamp="2026-12-05T10:00:00Z")
    response = client.post("/api/outbound", json=retry, headers=OUTBOUND_KEY)
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate_request"


def test_a_webhook_at_the_kept_gateway_url_reaches_the_runtime(imported, db, client, runtime):
    runtime.replies.append({"reply": "Hi there!"})
    seen_before = len(runtime.texts())
    path = f"/gateway/evolution/whatsapp/{EVOLUTION}/{EVOLUTION_TOKEN}"
    response = client.post(path, json=upsert_event("hello after the switch", number=NUMBER))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"received": 1, "duplicates": 0}
    run_passes(db, InboundWorker, count=2, settings=SETTINGS)
    assert runtime.texts()[seen_before:] == ["hello after the switch"]
    forwarded = runtime.messages[-1]
    assert forwarded["metadata"]["platform"] == "whatsapp_evolution"
    assert CUSTOMER in str(forwarded)


def test_a_second_import_changes_nothing_and_says_so(
    imported, project_root, database_url, seed_url
):
    again = import_seed(project_root, database_url, "--from", seed_url)
    assert again.returncode == 0, again.stderr
    for table, (read, inserted, updated, unchanged, skipped) in report_rows(again.stdout).items():
        assert (inserted, updated) == (0, 0), table
        assert unchanged + skipped == read, table
    assert "nothing to change" in again.stdout


def test_a_dry_run_prints_each_table_and_writes_nothing(
    db, project_root, database_url, seed_url, session
):
    result = import_seed(project_root, database_url, "--from", seed_url, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was written" in result.stdout
    rows = report_rows(result.stdout)
    assert list(rows) == list(TABLES)
    assert rows["customers"] == [1, 1, 0, 0, 0]
    for model in (Customer, Identity, Channel, Agent, OutboundDelivery):
        assert count(session, model) == 0


def test_the_history_window_decides_which_deliveries_come(db, project_root, database_url, seed_url):
    result = import_seed(project_root, database_url, "--from", seed_url, "--history-days", "90")
    assert report_rows(result.stdout)["recent deliveries"] == [3, 3, 0, 0, 0]


def test_an_unrecognised_source_is_refused_with_a_clear_message(
    db, project_root, database_url, seed_url, tmp_path, session
):
    with fresh_database("postgresql", tmp_path) as empty_url:
        empty = import_seed(project_root, database_url, "--from", empty_url)
        assert empty.returncode == 1
        assert "source_not_recognised" in empty.stderr
        assert "no _prisma_migrations table" in empty.stderr
        engine = sa.create_engine(empty_url)
        with engine.begin() as connection:
            connection.exec_driver_sql(seed_rows.SCHEMA.read_text())
            connection.exec_driver_sql('ALTER TABLE "channels" DROP COLUMN "config"')
        engine.dispose()
        changed = import_seed(project_root, database_url, "--from", empty_url)
        assert changed.returncode == 1
        assert "table channels lacks columns: config" in changed.stderr
    not_postgres = import_seed(project_root, database_url, "--from", "sqlite:///seed.db")
    assert not_postgres.returncode == 1
    assert "postgresql://" in not_postgres.stderr
    assert count(session, Customer) == 0
