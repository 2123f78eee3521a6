"""Shared channels and agents in the domain, as the admin API and the console both use them: the
kind's adapter found from the settings, views, provider-first changes in a session of their
own, and audited agent registrations and edits."""

import asyncio

import httpx
import pytest
from sqlmodel import Session, col, select

from clawscale.channels.webhooks import ProviderError
from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.channels.connections import change_shared_channel_alone
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelChanges,
    create_shared_channel,
    list_shared_channel_views,
    reveal_webhook_url,
    shared_adapter,
    shared_channel_view,
    update_shared_channel,
)
from clawscale.domain.channels.store import channel_credentials, create_channel
from clawscale.domain.errors import Conflict
from clawscale.domain.runtime.agents import AgentChanges, edit_agent, register_agent
from clawscale.models import AuditLog, Channel, ChannelScope, ChannelStatus
from clawscale.settings import Settings
from tests.fakes.telegram import fake_telegram, telegram_error

SETTINGS = Settings(_env_file=None)
BOT_TOKEN = "123456:bot-token"


def admin_id(session: Session) -> str:
    admin = create_admin(session, "ops@example.com", "correct horse")
    session.commit()
    return admin.id


def actions(session: Session, target_id: str) -> list[tuple[str, dict]]:
    query = (
        select(AuditLog.action, AuditLog.details)
        .where(AuditLog.target_id == target_id)
        .order_by(col(AuditLog.created_at))
    )
    return [(action, details) for action, details in session.exec(query)]


def telegram_channel(session: Session, admin: str, settings: Settings = SETTINGS) -> Channel:
    channel = create_shared_channel(
        session,
        settings,
        admin,
        kind="telegram",
        name="Support bot",
        agent_id=None,
        config={},
        secrets={"bot_token": BOT_TOKEN},
    )
    session.commit()
    return channel


def test_create_finds_the_kind_and_audits_without_secrets(session):
    admin = admin_id(session)
    channel = telegram_channel(session, admin)

    view = shared_channel_view(session, SETTINGS, channel)
    assert view.secret_flags == {"webhook_token": True, "bot_token": True, "secret_token": False}
    assert view.receives_webhooks is True
    [(action, details)] = actions(session, channel.id)
    assert action == "shared_channel.create"
    assert BOT_TOKEN not in str(details) and details["secrets"] == ["bot_token"]


def test_create_names_the_kinds_there_are_for_an_unknown_kind(session):
    admin = admin_id(session)
    with pytest.raises(InvalidChannelData) as raised:
        create_shared_channel(
            session, SETTINGS, admin, kind="fax", name="x", agent_id=None, config={}, secrets={}
        )
    [problem] = raised.value.issues
    assert problem["path"] == ["kind"] and "telegram" in str(problem["message"])
    assert session.exec(select(Channel)).all() == []


def test_update_checks_against_the_channels_own_kind(session):
    admin = admin_id(session)
    channel = telegram_channel(session, admin)
    with pytest.raises(InvalidChannelData) as raised:
        update_shared_channel(
            session, SETTINGS, admin, channel, SharedChannelChanges(config={"instance": "x"})
        )
    assert raised.value.issues[0]["path"] == ["config", "instance"]


def test_a_kind_no_adapter_serves_is_a_conflict_and_left_out_of_the_list(session):
    admin = admin_id(session)
    served = telegram_channel(session, admin)
    orphan = create_channel(session, SETTINGS, "retired_kind", ChannelScope.SHARED, name="old")
    session.commit()

    with pytest.raises(Conflict) as raised:
        shared_adapter(SETTINGS, orphan)
    assert raised.value.code == "unsupported_shared_channel_kind"
    views, total = list_shared_channel_views(session, SETTINGS, 10, 0)
    assert [view.channel.id for view in views] == [served.id]
    assert total == 2


def connect_alone(db, settings: Settings, channel_id: str, admin: str, target: ChannelStatus):
    async def run() -> None:
        async with httpx.AsyncClient() as client:
            await change_shared_channel_alone(db, settings, client, channel_id, admin, target)

    asyncio.run(run())


def test_a_change_in_its_own_session_calls_the_provider_first_and_is_audited(db, session):
    admin = admin_id(session)
    with fake_telegram(BOT_TOKEN) as telegram:
        settings = Settings(_env_file=None, TELEGRAM_API_BASE_URL=telegram.url)
        channel = telegram_channel(session, admin, settings)

        telegram.fail_next(telegram_error(401, "Unauthorized"))
        with pytest.raises(ProviderError):
            connect_alone(db, settings, channel.id, admin, ChannelStatus.CONNECTED)
        session.refresh(channel)
        assert channel.status == ChannelStatus.DISCONNECTED

        connect_alone(db, settings, channel.id, admin, ChannelStatus.CONNECTED)
        session.refresh(channel)
        assert channel.status == ChannelStatus.CONNECTED
        assert telegram.webhook_url == reveal_webhook_url(session, settings, admin, channel.id)
        session.commit()
        secret = channel_credentials(settings, channel).secrets["secret_token"]
        assert telegram.secret_token == secret

        connect_alone(db, settings, channel.id, admin, ChannelStatus.DISCONNECTED)
        session.refresh(channel)
        assert channel.status == ChannelStatus.DISCONNECTED
        assert telegram.webhook_url is None
    assert [action for action, _ in actions(session, channel.id)] == [
        "shared_channel.create",
        "shared_channel.connect",
        "shared_channel.reveal_webhook_url",
        "shared_channel.disconnect",
    ]


def test_agents_are_registered_and_edited_with_an_audit_naming_the_fields(session):
    admin = admin_id(session)
    agent = register_agent(
        session, SETTINGS, admin, "coke", "Coke", "https://agent.example/in", "tok", False
    )
    before = agent.token_encrypted
    edit_agent(session, SETTINGS, admin, agent.id, AgentChanges(name="Coke 2"))
    assert agent.name == "Coke 2" and agent.token_encrypted == before
    edit_agent(session, SETTINGS, admin, agent.id, AgentChanges(token="new", is_default=True))
    session.commit()
    assert agent.token_encrypted != before and agent.is_default
    assert actions(session, agent.id) == [
        ("agent.create", {"slug": "coke"}),
        ("agent.update", {"fields": ["name"]}),
        ("agent.update", {"fields": ["is_default", "token"]}),
    ]
