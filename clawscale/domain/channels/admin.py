"""Operators disconnecting a channel from the console's channel list.

A personal WeChat channel is stopped as its customer would stop it (session ended, token
cleared, polling stops), audited in the same transaction as the change of state. A shared
channel is disconnected by `channels.connections.change_shared_channel`, which clears our
webhook at the provider first and audits it the same way.
"""

from sqlmodel import Session

from clawscale.channels.wechat_personal.adapter import KIND as WECHAT_PERSONAL
from clawscale.domain.audit import record_admin_action
from clawscale.domain.channels.wechat_personal import disconnect_channel
from clawscale.domain.errors import Conflict, NotFound
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.settings import Settings

DISCONNECT_ACTION = "channel.disconnect"
AUDIT_TARGET = "channel"
DISCONNECTABLE = frozenset({ChannelStatus.PENDING, ChannelStatus.CONNECTED, ChannelStatus.ERROR})


def can_disconnect(channel: Channel) -> bool:
    """Whether an admin may disconnect `channel` from the list: a shared channel or a personal
    WeChat one, while it is pending, connected or in error."""
    kind_served = channel.scope == ChannelScope.SHARED or channel.kind == WECHAT_PERSONAL
    return kind_served and channel.status in DISCONNECTABLE


def disconnect_personal_channel(
    db: Session, settings: Settings, admin_id: str, channel_id: str
) -> Channel:
    """Disconnect a customer's personal WeChat channel, audited; NotFound for any other
    channel, Conflict `channel_archived` for an archived one."""
    channel = db.get(Channel, channel_id)
    if (
        channel is None
        or channel.scope != ChannelScope.PERSONAL
        or channel.kind != WECHAT_PERSONAL
        or channel.owner_customer_id is None
    ):
        raise NotFound("channel_not_found", "No such personal WeChat channel.")
    if channel.status == ChannelStatus.ARCHIVED:
        raise Conflict("channel_archived", "The channel is archived.")
    before = channel.status
    disconnect_channel(db, settings, channel.owner_customer_id)
    details = {"kind": channel.kind, "previous_status": before}
    record_admin_action(db, admin_id, DISCONNECT_ACTION, AUDIT_TARGET, channel.id, details)
    return channel
