"""What the WeChat poller reads and writes: channel leases, poll targets and stored batches.

A poller holds a lease on each channel it polls (`Channel.lease_owner`, `lease_expires_at`),
taken and renewed by conditional UPDATEs, so with several processes each connected account is
polled by exactly one. A batch is stored only while the lease is held and the cursor is still
the one the poll started from: every message goes through the one inbound path
(`intake.stage_inbound_message`, deduplicated by message id, the batch's events stored together)
and the new cursor is saved in the same transaction, so a restart resumes from
the stored cursor and neither loses nor replays a message.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, or_, select, update

from clawscale.channels.wechat_personal.adapter import KIND, UpdateBatch
from clawscale.domain.channels.store import channel_credentials
from clawscale.domain.channels.wechat_personal import expire_session
from clawscale.domain.inbound.intake import (
    expect_messages,
    stage_inbound_message,
    store_staged_messages,
)
from clawscale.domain.queue import leases
from clawscale.models import Channel, ChannelStatus
from clawscale.models.base import utcnow
from clawscale.settings import Settings

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class PollTarget:
    """Where and from which cursor to poll one channel."""

    channel_id: str
    base_url: str
    bot_token: str = field(repr=False)
    cursor: str


def _pollable() -> tuple[Any, Any]:
    return Channel.kind == KIND, Channel.status == ChannelStatus.CONNECTED


def _lease_free() -> Any:
    return or_(col(Channel.lease_expires_at).is_(None), col(Channel.lease_expires_at) < utcnow())


def hold_channels(db: Session, worker_id: str, lease: timedelta, limit: int) -> list[str]:
    """Renew this worker's leases, take free connected channels up to `limit` in all, and
    return the ids of every channel this worker now holds."""
    now = utcnow()
    db.exec(
        update(Channel)
        .where(col(Channel.lease_owner) == worker_id, *_pollable())
        .values(lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    held = set(
        db.exec(select(Channel.id).where(col(Channel.lease_owner) == worker_id, *_pollable()))
    )
    free = db.exec(
        select(Channel.id)
        .where(*_pollable(), _lease_free())
        .order_by(col(Channel.id))
        .limit(max(0, limit - len(held)))
        .with_for_update(skip_locked=True)
    ).all()
    for channel_id in free:
        taken = db.exec(
            update(Channel)
            .where(col(Channel.id) == channel_id, *_pollable(), _lease_free())
            .values(lease_owner=worker_id, lease_expires_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            held.add(channel_id)
    return sorted(held)


def _held_connected(db: Session, channel_id: str, worker_id: str) -> Channel | None:
    channel = leases.held(db, Channel, channel_id, worker_id)
    if channel is None or channel.status != ChannelStatus.CONNECTED:
        return None
    return channel


def poll_target(
    db: Session, settings: Settings, channel_id: str, worker_id: str
) -> PollTarget | None:
    """What to poll next; None when the channel is no longer this worker's to poll."""
    channel = _held_connected(db, channel_id, worker_id)
    if channel is None:
        return None
    credentials = channel_credentials(settings, channel)
    bot_token = credentials.secrets.get("bot_token")
    if not bot_token:
        return None
    return PollTarget(
        channel_id=channel.id,
        base_url=credentials.config.get("baseurl") or settings.WECHAT_ILINK_BASE_URL,
        bot_token=bot_token,
        cursor=channel.poll_cursor or "",
    )


def store_batch(
    db: Session, channel_id: str, worker_id: str, polled_from: str, batch: UpdateBatch
) -> int | None:
    """Store a polled batch and its new cursor in this transaction; how many messages were
    new. None (nothing stored) when the lease is lost, the channel stopped, or the cursor moved
    since the poll began."""
    channel = _held_connected(db, channel_id, worker_id)
    if channel is None or (channel.poll_cursor or "") != polled_from:
        return None
    expect_messages(db, channel, batch.messages)
    staged = [stage_inbound_message(db, channel, message) for message in batch.messages]
    store_staged_messages(db)
    channel.poll_cursor = batch.cursor
    channel.last_error = None
    db.add(channel)
    db.flush()
    return sum(not message.outcome().duplicate for message in staged)


def record_poll_error(db: Session, channel_id: str, worker_id: str, error: str) -> None:
    """Show why polling is backing off (never a credential: errors name codes and types)."""
    channel = _held_connected(db, channel_id, worker_id)
    if channel is not None:
        channel.last_error = error[:MAX_ERROR_LENGTH]
        db.add(channel)
        db.flush()


def record_session_expired(
    db: Session, settings: Settings, channel_id: str, worker_id: str
) -> None:
    """iLink said -14: the channel needs a new login (see `expire_session`)."""
    channel = _held_connected(db, channel_id, worker_id)
    if channel is not None:
        expire_session(db, settings, channel)


def release_channels(db: Session, worker_id: str) -> int:
    """Give back every channel lease `worker_id` holds, so other workers can take those channels
    at once; how many."""
    return leases.release_all_held(db, Channel, worker_id)
