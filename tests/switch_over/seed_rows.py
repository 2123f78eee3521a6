"""A seed gateway's database for the switch-over tests: its schema (seed_schema.sql) in a fresh
PostgreSQL database, with rows of every kind the importer reads."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import sqlalchemy as sa

from tests.databases import fresh_database

SCHEMA = Path(__file__).with_name("seed_schema.sql")
PASSWORD = "seed-password-1"
ADMIN_PASSWORD = "seed-admin-pass"
CUSTOMER = "ck_alice000000000000000001"
IDENTITY = "8d7c2f40-4c1e-4d55-9a39-0b1f3c9e2a11"
SEED_USER = "cu_alice"
AGENT = "5b1f0a8e-6c44-4e0e-8a2b-7f3d7c0a9b21"
AGENT_TOKEN = "agent-token"
EVOLUTION = "ch_evolution000000000001"
LINQ = "ch_linq00000000000000001"
ECLOUD = "ch_ecloud000000000000001"
WECHAT = "ch_wechat000000000000001"
SLACK = "ch_slack0000000000000001"
EVOLUTION_TOKEN = "evo-webhook-token-1"
LINQ_TOKEN = "linq-webhook-token-1"
ECLOUD_TOKEN = "ecloud-webhook-token-1"
END_USER = "eu_alice_whatsapp"
NUMBER = "15550001111"
ROUTE_KEY = "bck-alice-1"
SENT_KEY = "seed-sent-1"


def seed_hash(password: str) -> str:
    """A bcrypt hash as the seed's bcryptjs wrote it (cost lowered to keep tests quick)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4, b"2a")).decode()


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def fill(connection: sa.Connection, runtime_endpoint: str) -> None:
    """Rows of every kind, as a live seed deployment holds them."""
    now = datetime.now(UTC)
    created = _naive(now - timedelta(days=90))
    recent = _naive(now - timedelta(days=2))
    old = _naive(now - timedelta(days=60))

    def insert(table: str, **values: object) -> None:
        columns = ", ".join(f'"{name}"' for name in values)
        params = ", ".join(f":{name}" for name in values)
        encoded = {
            name: json.dumps(value) if isinstance(value, dict) else value
            for name, value in values.items()
        }
        connection.execute(sa.text(f'INSERT INTO "{table}" ({columns}) VALUES ({params})'), encoded)

    insert(
        "_prisma_migrations",
        id="m1",
        checksum="0" * 64,
        migration_name="20260428120000_linq_shared_channel",
        applied_steps_count=1,
    )
    insert("tenants", id="ten_1", slug="coke", name="Coke", updated_at=created)
    insert(
        "admin_accounts",
        id="3e0c9d4a-1111-4a0b-8c0d-000000000001",
        email="Ops@Example.com",
        password_hash=seed_hash(ADMIN_PASSWORD),
        updated_at=created,
        created_at=created,
    )
    insert(
        "identities",
        id=IDENTITY,
        email="alice@example.com",
        display_name="Alice",
        password_hash=seed_hash(PASSWORD),
        claim_status="active",
        created_at=created,
        updated_at=created,
    )
    insert(
        "identities",
        id="8d7c2f40-4c1e-4d55-9a39-0b1f3c9e2a12",
        display_name="Unclaimed",
        claim_status="unclaimed",
        created_at=created,
        updated_at=created,
    )
    insert("customers", id=CUSTOMER, display_name="Alice", created_at=created, updated_at=created)
    insert(
        "memberships",
        id="mem-1",
        identity_id=IDENTITY,
        customer_id=CUSTOMER,
        role="owner",
        created_at=created,
        updated_at=created,
    )
    for number, default in ((AGENT, True), ("5b1f0a8e-6c44-4e0e-8a2b-7f3d7c0a9b22", True)):
        insert(
            "agents",
            id=number,
            slug=f"coke-{number[-1]}",
            name="Coke",
            endpoint=runtime_endpoint,
            auth_token=AGENT_TOKEN,
            is_default=default,
            created_at=created if number == AGENT else recent,
            updated_at=created,
        )
    insert(
        "agent_bindings",
        id="agb-1",
        customer_id=CUSTOMER,
        agent_id=AGENT,
        provision_status="ready",
        provision_attempts=1,
        created_at=created,
        updated_at=created,
    )
    insert(
        "clawscale_users",
        id=SEED_USER,
        tenant_id="ten_1",
        coke_account_id=CUSTOMER,
        updated_at=created,
    )
    shared = {"tenant_id": "ten_1", "ownership_kind": "shared", "agent_id": AGENT}
    insert(
        "channels",
        id=EVOLUTION,
        type="whatsapp_evolution",
        name="WhatsApp",
        status="connected",
        config={"instanceName": "main", "webhookToken": EVOLUTION_TOKEN},
        created_at=created,
        updated_at=created,
        **shared,
    )
    insert(
        "channels",
        id=LINQ,
        type="linq",
        name="iMessage",
        status="connected",
        config={
            "fromNumber": "+15559990000",
            "webhookToken": LINQ_TOKEN,
            "webhookSubscriptionId": "sub-123",
            "signingSecret": "linq-signing-secret",
        },
        created_at=created,
        updated_at=created,
        **shared,
    )
    insert(
        "channels",
        id=ECLOUD,
        type="wechat_ecloud",
        name="WeChat",
        status="connected",
        config={
            "appId": "wx_app_1",
            "token": "gewe-token",
            "baseUrl": "https://api.geweapi.com",
            "webhookToken": ECLOUD_TOKEN,
        },
        created_at=created,
        updated_at=created,
        **shared,
    )
    insert(
        "channels",
        id=WECHAT,
        tenant_id="ten_1",
        type="wechat_personal",
        scope="personal",
        ownership_kind="customer",
        owner_clawscale_user_id=SEED_USER,
        name="Alice's WeChat",
        status="connected",
        config={"baseUrl": "https://ilinkai.weixin.qq.com", "token": "bot-token", "botId": "b1"},
        created_at=created,
        updated_at=created,
    )
    insert(
        "channels",
        id=SLACK,
        tenant_id="ten_1",
        type="slack",
        name="Retired Slack",
        status="disconnected",
        config={"botToken": "xoxb"},
        created_at=created,
        updated_at=created,
    )
    for end_user, channel, external in (
        (END_USER, EVOLUTION, NUMBER),
        ("eu_alice_wechat", WECHAT, "wxid_alice@im.wechat"),
        ("eu_slack", SLACK, "U123"),
    ):
        insert(
            "end_users",
            id=end_user,
            tenant_id="ten_1",
            channel_id=channel,
            external_id=external,
            name="Alice",
            clawscale_user_id=SEED_USER,
            created_at=created,
            updated_at=created,
        )
    insert(
        "external_identities",
        id="xid-1",
        provider="whatsapp_evolution",
        identity_type="wa_id",
        identity_value=NUMBER,
        customer_id=CUSTOMER,
        first_seen_channel_id=EVOLUTION,
        first_seen_at=created,
        last_seen_at=recent,
        created_at=created,
        updated_at=recent,
    )
    for conversation, key, updated in (("cv-1", ROUTE_KEY, recent), ("cv-0", "bck-old", created)):
        insert(
            "conversations",
            id=conversation,
            tenant_id="ten_1",
            channel_id=EVOLUTION,
            end_user_id=END_USER,
            clawscale_user_id=SEED_USER,
            business_conversation_key=key,
            created_at=created,
            updated_at=updated,
        )
    insert(
        "delivery_routes",
        tenant_id="ten_1",
        coke_account_id=CUSTOMER,
        business_conversation_key=ROUTE_KEY,
        channel_id=EVOLUTION,
        end_user_id=END_USER,
        external_end_user_id=NUMBER,
        created_at=created,
        updated_at=recent,
    )
    insert(
        "subscriptions",
        id="sub-1",
        customer_id=CUSTOMER,
        stripe_session_id="cs_test_1",
        amount_paid=999,
        currency="USD",
        starts_at=recent,
        expires_at=_naive(now + timedelta(days=28)),
        created_at=recent,
    )
    for delivery, key, status, moment in (
        ("od-1", SENT_KEY, "succeeded", recent),
        ("od-2", "seed-failed-1", "failed", recent),
        ("od-3", "seed-old-1", "succeeded", old),
    ):
        insert(
            "outbound_deliveries",
            id=delivery,
            tenant_id="ten_1",
            channel_id=EVOLUTION,
            idempotency_key=key,
            payload=reply_payload(key, channel_id=EVOLUTION, external_end_user_id=NUMBER),
            status=status,
            error="provider down" if status == "failed" else None,
            created_at=moment,
            updated_at=moment,
        )


def reply_payload(key: str, **target: str) -> dict:
    """The runtime's reply as `POST /api/outbound` takes it (the seed also stored its target)."""
    return {
        "output_id": f"out-{key}",
        "customer_id": CUSTOMER,
        "business_conversation_key": ROUTE_KEY,
        "message_type": "text",
        "delivery_mode": "push",
        "idempotency_key": key,
        "text": "Hello from the agent",
        "mediaUrls": [],
        "audioAsVoice": False,
        **target,
    }


@contextmanager
def seed_database(workdir: Path, runtime_endpoint: str) -> Iterator[str]:
    """The URL of a fresh seed database holding `fill`'s rows (dropped afterwards)."""
    with fresh_database("postgresql", workdir) as url:
        engine = sa.create_engine(url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(SCHEMA.read_text())
                fill(connection, runtime_endpoint)
        finally:
            engine.dispose()
        yield url
