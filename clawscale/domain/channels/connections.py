"""Connecting, disconnecting and archiving a shared channel: the provider first, then the row.

Each change reads the channel and ends that transaction, calls the provider with no database
lock held (a provider may call our webhook during the call: Meta verifies the URL that way),
then records the outcome in a new transaction. A provider failure raises `ProviderError` and
leaves the row as it was; when recording fails after a successful connect, the provider's
webhook is cleared again (best effort) so it never points at a channel we do not consider live.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from clawscale.channels.webhooks import ChannelDataUpdate, ProviderError, SharedChannelAdapter
from clawscale.domain.audit import record_admin_action
from clawscale.domain.channels.shared import (
    AUDIT_TARGET,
    ensure_webhook_token,
    get_shared_channel,
    mark_archived,
    shared_adapter,
    webhook_url,
)
from clawscale.domain.channels.store import (
    ChannelCredentials,
    channel_credentials,
    update_channel_data,
)
from clawscale.models import Channel, ChannelStatus
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

ProviderCall = Callable[[httpx.AsyncClient, ChannelCredentials, str], Awaitable[ChannelDataUpdate]]


@dataclass(frozen=True)
class ConnectionPlan:
    """What a provider call needs, read before the call."""

    adapter: SharedChannelAdapter
    channel_id: str
    status: ChannelStatus
    credentials: ChannelCredentials
    webhook_url: str


def _plan(db: Session, settings: Settings, channel_id: str) -> ConnectionPlan:
    channel = get_shared_channel(db, channel_id)
    adapter = shared_adapter(settings, channel)
    token = ensure_webhook_token(db, settings, channel)
    plan = ConnectionPlan(
        adapter,
        channel.id,
        channel.status,
        channel_credentials(settings, channel),
        webhook_url(settings, channel, token),
    )
    db.commit()
    return plan


def _record(
    db: Session,
    settings: Settings,
    plan: ConnectionPlan,
    update: ChannelDataUpdate,
    status: ChannelStatus,
    admin_id: str,
    action: str,
) -> Channel:
    channel = get_shared_channel(db, plan.channel_id)
    update_channel_data(db, settings, channel, config=update.config, secrets=update.secrets)
    if status == ChannelStatus.ARCHIVED:
        mark_archived(db, channel)
    else:
        channel.status = status
        channel.last_error = None
        db.add(channel)
        db.flush()
    details = {"kind": channel.kind, "previous_status": plan.status}
    record_admin_action(db, admin_id, action, AUDIT_TARGET, channel.id, details)
    db.commit()
    return channel


async def _undo_connect(client: httpx.AsyncClient, plan: ConnectionPlan) -> None:
    try:
        await plan.adapter.disconnect(client, plan.credentials, plan.webhook_url)
    except ProviderError:
        logger.warning(
            "could not clear the %s webhook of channel %s", plan.adapter.kind, plan.channel_id
        )


def _provider_call(
    adapter: SharedChannelAdapter, before: ChannelStatus, target: ChannelStatus
) -> ProviderCall | None:
    """The provider call moving a channel from `before` to another `target`, if any: only a
    connected channel has a webhook to clear."""
    if target == ChannelStatus.CONNECTED:
        return adapter.connect
    return adapter.disconnect if before == ChannelStatus.CONNECTED else None


ACTIONS: dict[ChannelStatus, str] = {
    ChannelStatus.CONNECTED: "shared_channel.connect",
    ChannelStatus.DISCONNECTED: "shared_channel.disconnect",
    ChannelStatus.ARCHIVED: "shared_channel.archive",
}


async def change_shared_channel(
    db: Session,
    settings: Settings,
    client: httpx.AsyncClient,
    channel_id: str,
    admin_id: str,
    target: ChannelStatus,
) -> Channel:
    """Move a channel to `target` (one of ACTIONS), provider first; audited.

    Connected registers our webhook; disconnected clears it; archived clears it when connected
    and drops the secrets. A channel already at `target` is left unchanged. NotFound for a
    channel that is not a live shared one, Conflict when no adapter serves its kind,
    ProviderError when the provider refuses.
    """
    action = ACTIONS[target]
    plan = await asyncio.to_thread(_plan, db, settings, channel_id)
    if plan.status == target:
        return await asyncio.to_thread(get_shared_channel, db, channel_id)
    call = _provider_call(plan.adapter, plan.status, target)
    update = await call(client, plan.credentials, plan.webhook_url) if call else ChannelDataUpdate()
    try:
        return await asyncio.to_thread(
            _record, db, settings, plan, update, target, admin_id, action
        )
    except BaseException:
        await asyncio.to_thread(db.rollback)
        if target == ChannelStatus.CONNECTED:
            await _undo_connect(client, plan)
        raise


async def change_shared_channel_alone(
    engine: Engine,
    settings: Settings,
    client: httpx.AsyncClient,
    channel_id: str,
    admin_id: str,
    target: ChannelStatus,
) -> None:
    """`change_shared_channel` in a session of its own (for callers holding no session, such
    as the console's pages), closed off the event loop."""
    db = Session(engine, expire_on_commit=False)
    try:
        await change_shared_channel(db, settings, client, channel_id, admin_id, target)
    finally:
        await asyncio.to_thread(db.close)
