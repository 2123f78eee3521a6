"""Rows the tests build often: customers with a routed conversation on a channel."""

from dataclasses import dataclass

from sqlmodel import Session

from clawscale.domain.channels.store import create_channel
from clawscale.domain.outbox.routes import upsert_delivery_route
from clawscale.domain.runtime.agents import create_agent
from clawscale.models import (
    Agent,
    Channel,
    ChannelScope,
    ChannelStatus,
    Customer,
    EndUser,
)
from clawscale.settings import Settings

SETTINGS = Settings(_env_file=None)


@dataclass(frozen=True)
class Routed:
    """A customer whose conversation key routes to an end user on a channel."""

    customer: Customer
    channel: Channel
    end_user: EndUser
    key: str


def default_agent(
    session: Session,
    endpoint: str,
    token: str = "agent-token",
    *,
    provisioning_url: str | None = None,
    forward_timeout_seconds: int = 120,
) -> Agent:
    """The default agent; it provisions customers at `provisioning_url` when one is given."""
    agent = create_agent(
        session,
        SETTINGS,
        "coke",
        "Coke",
        endpoint,
        token,
        is_default=True,
        provisioning_url=provisioning_url,
        forward_timeout_seconds=forward_timeout_seconds,
    )
    session.commit()
    return agent


def evolution_channel(
    session: Session, base_url: str, api_key: str = "evo-key", agent: Agent | None = None
) -> Channel:
    channel = create_channel(
        session,
        SETTINGS,
        "whatsapp_evolution",
        ChannelScope.SHARED,
        name="Support WhatsApp",
        status=ChannelStatus.CONNECTED,
        config={"instance": "main", "base_url": base_url},
        secrets={"api_key": api_key},
        owner_agent_id=agent.id if agent else None,
    )
    session.commit()
    return channel


def routed_conversation(
    session: Session,
    channel: Channel,
    external_id: str = "15550001111",
    key: str = "conv-1",
    provider_context: dict[str, object] | None = None,
) -> Routed:
    customer = Customer(display_name="Ada")
    session.add(customer)
    session.flush()
    end_user = EndUser(channel_id=channel.id, external_id=external_id, customer_id=customer.id)
    session.add(end_user)
    session.flush()
    upsert_delivery_route(
        session, customer.id, key, channel.id, end_user.id, external_id, provider_context
    )
    session.commit()
    return Routed(customer, channel, end_user, key)
