"""Making the demo agent and its web chat: once, and again only what is missing.

The agent (`demo-agent`) is served at the gateway's own `/api/demo-agent/bridge/inbound` with a
random bearer token, and becomes the default agent when there is none; its chat is a connected
`web_chat` shared channel bound to it. Running it again changes nothing but the agent's
endpoint, which follows the API's public URL. Only `Settings.demo_agent_wanted` asks for it
(development by default, `DEMO_AGENT=true` elsewhere).
"""

import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from clawscale.channels.web_chat.adapter import KIND as WEB_CHAT
from clawscale.channels.webhooks import WEBHOOK_TOKEN
from clawscale.domain.channels.shared import new_webhook_token
from clawscale.domain.channels.store import create_channel
from clawscale.domain.runtime.agents import create_agent, default_agent
from clawscale.models import Agent, Channel, ChannelScope, ChannelStatus
from clawscale.settings import Settings

SLUG = "demo-agent"
AGENT_NAME = "Demo agent"
CHAT_NAME = "Demo chat"
INBOUND_PATH = "/api/demo-agent/bridge/inbound"


@dataclass(frozen=True)
class Demo:
    """The demo agent and its chat."""

    agent: Agent
    channel: Channel


def demo_endpoint(settings: Settings) -> str:
    """Where the gateway's workers forward to the demo agent."""
    return f"{settings.CLAWSCALE_PUBLIC_API_URL.rstrip('/')}{INBOUND_PATH}"


def demo_agent(db: Session) -> Agent | None:
    """The demo agent, when it was made."""
    return db.exec(select(Agent).where(Agent.slug == SLUG)).first()


def _ensure_agent(db: Session, settings: Settings) -> Agent:
    agent = demo_agent(db)
    if agent is None:
        return create_agent(
            db,
            settings,
            SLUG,
            AGENT_NAME,
            demo_endpoint(settings),
            secrets.token_urlsafe(32),
            is_default=default_agent(db) is None,
        )
    if agent.endpoint != demo_endpoint(settings):
        agent.endpoint = demo_endpoint(settings)
        db.add(agent)
        db.flush()
    return agent


def _ensure_chat(db: Session, settings: Settings, agent: Agent) -> Channel:
    channel = db.exec(
        select(Channel)
        .where(
            Channel.kind == WEB_CHAT,
            Channel.owner_agent_id == agent.id,
            Channel.status != ChannelStatus.ARCHIVED,
        )
        .order_by(Channel.created_at)
    ).first()
    if channel is not None:
        return channel
    return create_channel(
        db,
        settings,
        WEB_CHAT,
        ChannelScope.SHARED,
        name=CHAT_NAME,
        owner_agent_id=agent.id,
        status=ChannelStatus.CONNECTED,
        config={},
        secrets={WEBHOOK_TOKEN: new_webhook_token()},
    )


def ensure_demo(db: Session, settings: Settings) -> Demo:
    """The demo agent and its chat, made when missing."""
    agent = _ensure_agent(db, settings)
    return Demo(agent=agent, channel=_ensure_chat(db, settings, agent))
