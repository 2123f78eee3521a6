"""The lifecycle of a customer's personal WeChat channel: its states, the allowed transitions,
and what each transition does to the channel row.

States (`ChannelStatus`), plus `missing` when the customer has no live channel:
- `pending`: created, or a QR login is under way (`login_status` wait / scaned / expired);
- `connected`: logged in; the poller receives its messages;
- `disconnected`: the customer stopped it; credentials cleared, the row kept;
- `error`: iLink ended the session (-14, `last_error` "session_expired"); a new login is needed;
- `archived`: deleted by the customer; it no longer counts as their channel.

`TRANSITIONS` is the one table of what may happen from which state; anything else is a
`Conflict` (409). The channel row is the source of truth for ownership (one live personal
channel per customer and kind, guarded by a unique index) and lifecycle. The bot token lives
only in the channel's encrypted secrets and never reaches a view.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import segno
from sqlmodel import Session, col, select

from clawscale.channels.wechat_personal.adapter import KIND, LoginProgress, LoginQRCode, LoginStatus
from clawscale.db import insert_or_find
from clawscale.domain.billing.access import DenialReason, access_decision
from clawscale.domain.channels.store import channel_credentials, create_channel, update_channel_data
from clawscale.domain.errors import Conflict, Forbidden, NotFound
from clawscale.models import Channel, ChannelScope, ChannelStatus, Customer
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.web_links import WECHAT_PERSONAL_PATH, web_url

CHANNEL_NAME = "Personal WeChat"
MISSING = "missing"
SESSION_EXPIRED_ERROR = "session_expired"
LIVE_LOGIN = (LoginStatus.WAIT, LoginStatus.SCANNED)
ACCESS_PROBLEMS = {
    DenialReason.SUBSCRIPTION_REQUIRED: "Your access has lapsed. Renew it to connect WeChat.",
    DenialReason.ACCOUNT_SUSPENDED: "This account is suspended.",
    DenialReason.EMAIL_NOT_VERIFIED: "Verify your email address before connecting WeChat.",
}


class Action(StrEnum):
    """What can happen to a personal WeChat channel."""

    START_LOGIN = "start_login"
    CONFIRM_LOGIN = "confirm_login"
    DISCONNECT = "disconnect"
    ARCHIVE = "archive"
    EXPIRE_SESSION = "expire_session"


@dataclass(frozen=True)
class Transition:
    """From which states an action is allowed, the state it leads to, and the 409 code
    answered from any other state."""

    sources: frozenset[ChannelStatus]
    target: ChannelStatus
    conflict_code: str


TRANSITIONS: dict[Action, Transition] = {
    Action.START_LOGIN: Transition(
        frozenset({ChannelStatus.PENDING, ChannelStatus.DISCONNECTED, ChannelStatus.ERROR}),
        ChannelStatus.PENDING,
        "channel_already_connected",
    ),
    Action.CONFIRM_LOGIN: Transition(
        frozenset({ChannelStatus.PENDING}), ChannelStatus.CONNECTED, "login_not_pending"
    ),
    Action.DISCONNECT: Transition(
        frozenset(
            {
                ChannelStatus.PENDING,
                ChannelStatus.CONNECTED,
                ChannelStatus.ERROR,
                ChannelStatus.DISCONNECTED,
            }
        ),
        ChannelStatus.DISCONNECTED,
        "channel_archived",
    ),
    Action.ARCHIVE: Transition(
        frozenset({ChannelStatus.DISCONNECTED, ChannelStatus.ERROR, ChannelStatus.ARCHIVED}),
        ChannelStatus.ARCHIVED,
        "disconnect_before_archive",
    ),
    Action.EXPIRE_SESSION: Transition(
        frozenset({ChannelStatus.CONNECTED}), ChannelStatus.ERROR, "channel_not_connected"
    ),
}


def allows(status: ChannelStatus | str, action: Action) -> bool:
    """Whether `action` may happen to a channel in `status`."""
    return status in TRANSITIONS[action].sources


def check_transition(status: ChannelStatus | str, action: Action) -> None:
    """A `Conflict` with the action's code unless `action` may happen in `status`."""
    if not allows(status, action):
        raise Conflict(
            TRANSITIONS[action].conflict_code,
            f"A {status} WeChat channel cannot {action.value.replace('_', ' ')}.",
        )


def apply_transition(channel: Channel, action: Action) -> None:
    """Move the channel on by `action`; a `Conflict` with the action's code if not allowed."""
    check_transition(channel.status, action)
    channel.status = TRANSITIONS[action].target
    channel.updated_at = utcnow()


@dataclass(frozen=True)
class ChannelView:
    """What the customer may see of their channel: never a token or a QR code id."""

    status: str
    channel_id: str | None = None
    login_status: str | None = None
    qr_url: str | None = None
    qr: str | None = None
    ilink_bot_id: str | None = None
    ilink_user_id: str | None = None
    last_activity_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None

    @property
    def login_live(self) -> bool:
        """Whether a QR code is waiting to be scanned or confirmed."""
        return self.status == ChannelStatus.PENDING and self.login_status in LIVE_LOGIN


@dataclass(frozen=True)
class LoginPoll:
    """A QR login still under way: which channel and which code to ask about."""

    channel_id: str
    qrcode: str


def qr_data_uri(content: str) -> str:
    """`content` drawn as a QR code: an SVG `data:` URI an <img> can show."""
    return segno.make(content, error="m").svg_data_uri(scale=6, border=2)


def page_url(settings: Settings) -> str:
    """Where the customer follows the connection in a browser."""
    return web_url(settings, WECHAT_PERSONAL_PATH)


def _live_rows(db: Session, customer_id: str, *, lock: bool) -> list[Channel]:
    query = (
        select(Channel)
        .where(
            Channel.owner_customer_id == customer_id,
            Channel.kind == KIND,
            Channel.scope == ChannelScope.PERSONAL,
            Channel.status != ChannelStatus.ARCHIVED,
        )
        .order_by(col(Channel.created_at), col(Channel.id))
        .execution_options(populate_existing=True)
    )
    return list(db.exec(query.with_for_update() if lock else query).all())


def live_channel(db: Session, customer_id: str, *, lock: bool = False) -> Channel | None:
    """The customer's live (not archived) personal WeChat channel, if any."""
    rows = _live_rows(db, customer_id, lock=lock)
    if len(rows) > 1:
        raise Conflict(
            "duplicate_personal_channel_rows",
            "More than one live personal WeChat channel exists for this customer.",
        )
    return rows[0] if rows else None


def _owned_channel(db: Session, customer_id: str) -> Channel:
    channel = live_channel(db, customer_id, lock=True)
    if channel is None:
        raise NotFound("channel_not_found", "You have no personal WeChat channel.")
    return channel


def view_of(settings: Settings, channel: Channel | None) -> ChannelView:
    """The customer's view of a channel (`missing` for None)."""
    if channel is None:
        return ChannelView(status=MISSING)
    config = channel_credentials(settings, channel).config
    login_status = config.get("login_status") or None
    live_qr = channel.status == ChannelStatus.PENDING and login_status in LIVE_LOGIN
    qr_url = config.get("qrcode_img_content") if live_qr else None
    return ChannelView(
        status=channel.status,
        channel_id=channel.id,
        login_status=login_status,
        qr_url=qr_url or None,
        qr=qr_data_uri(qr_url) if qr_url else None,
        ilink_bot_id=config.get("ilink_bot_id") or None,
        ilink_user_id=config.get("ilink_user_id") or None,
        last_activity_at=channel.last_activity_at,
        last_error=channel.last_error,
        updated_at=channel.updated_at,
    )


def channel_view(db: Session, settings: Settings, customer_id: str) -> ChannelView:
    """The customer's channel as they may see it."""
    return view_of(settings, live_channel(db, customer_id))


def ensure_channel(db: Session, settings: Settings, customer_id: str) -> Channel:
    """The customer's live channel, created `pending` when there is none (idempotent; two
    concurrent creates meet at the unique index and both get the one row)."""
    existing = live_channel(db, customer_id)
    if existing is not None:
        return existing

    def insert() -> Channel:
        return create_channel(
            db,
            settings,
            KIND,
            ChannelScope.PERSONAL,
            name=CHANNEL_NAME,
            owner_customer_id=customer_id,
            status=ChannelStatus.PENDING,
        )

    return insert_or_find(db, insert, lambda: live_channel(db, customer_id))


def require_access(db: Session, settings: Settings, customer: Customer) -> None:
    """A `Forbidden` with the decision's reason (`subscription_required`, `account_suspended`,
    `email_not_verified`) unless the customer may use the gateway now."""
    decision = access_decision(db, settings, customer, shared_channel=False)
    if decision.reason is not None:
        raise Forbidden(decision.reason.value, ACCESS_PROBLEMS[decision.reason])


def begin_login(db: Session, settings: Settings, customer_id: str) -> str:
    """Check that the customer may start a QR login now; their channel's id (created if need
    be). A connected channel answers 409 `channel_already_connected`."""
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer_not_found")
    require_access(db, settings, customer)
    channel = ensure_channel(db, settings, customer_id)
    check_transition(channel.status, Action.START_LOGIN)
    return channel.id


def _locked(db: Session, channel_id: str) -> Channel | None:
    return db.get(Channel, channel_id, populate_existing=True, with_for_update=True)


def record_login_qrcode(
    db: Session, settings: Settings, channel_id: str, qrcode: LoginQRCode
) -> ChannelView:
    """A new QR code was issued for the channel: it is `pending` with a login waiting."""
    channel = _locked(db, channel_id)
    if channel is None or channel.status == ChannelStatus.ARCHIVED:
        raise NotFound("channel_not_found", "You have no personal WeChat channel.")
    apply_transition(channel, Action.START_LOGIN)
    channel.last_error = None
    update_channel_data(
        db,
        settings,
        channel,
        config={
            "qrcode": qrcode.qrcode,
            "qrcode_img_content": qrcode.content,
            "login_status": LoginStatus.WAIT,
        },
    )
    return view_of(settings, channel)


def login_poll(db: Session, settings: Settings, customer_id: str) -> LoginPoll | None:
    """The QR login of the customer's channel still waiting for a scan or a confirmation."""
    channel = live_channel(db, customer_id)
    if channel is None or channel.status != ChannelStatus.PENDING:
        return None
    config = channel_credentials(settings, channel).config
    if config.get("login_status") not in LIVE_LOGIN or not config.get("qrcode"):
        return None
    return LoginPoll(channel.id, config["qrcode"])


def _confirm(db: Session, settings: Settings, channel: Channel, progress: LoginProgress) -> None:
    account = progress.account
    assert account is not None, "a confirmed login carries its account"
    previous_bot = channel_credentials(settings, channel).config.get("ilink_bot_id")
    apply_transition(channel, Action.CONFIRM_LOGIN)
    if previous_bot != account.ilink_bot_id:
        channel.poll_cursor = None
    channel.last_error = None
    update_channel_data(
        db,
        settings,
        channel,
        config={
            "baseurl": account.baseurl or settings.WECHAT_ILINK_BASE_URL,
            "ilink_bot_id": account.ilink_bot_id,
            "ilink_user_id": account.ilink_user_id,
            "qrcode": "",
            "qrcode_img_content": "",
            "login_status": LoginStatus.CONFIRMED,
        },
        secrets={"bot_token": account.bot_token},
    )


def record_login_progress(
    db: Session, settings: Settings, login: LoginPoll, progress: LoginProgress
) -> None:
    """What iLink said about a QR login. Answers about a code the channel no longer waits on
    (a newer code, a disconnect, a login already confirmed) change nothing."""
    channel = _locked(db, login.channel_id)
    if channel is None or channel.status != ChannelStatus.PENDING:
        return
    config = channel_credentials(settings, channel).config
    if config.get("qrcode") != login.qrcode or config.get("login_status") not in LIVE_LOGIN:
        return
    if progress.status is LoginStatus.CONFIRMED:
        _confirm(db, settings, channel, progress)
        return
    if progress.status is LoginStatus.EXPIRED:
        update_channel_data(db, settings, channel, config=_cleared_login(LoginStatus.EXPIRED))
        return
    if config.get("login_status") != progress.status:
        update_channel_data(db, settings, channel, config={"login_status": progress.status})


def _cleared_login(status: str = "") -> dict[str, str]:
    return {"qrcode": "", "qrcode_img_content": "", "login_status": status}


def _end_session(db: Session, settings: Settings, channel: Channel) -> None:
    """Forget the bot token and any login under way, and free the poller's lease."""
    channel.lease_owner = None
    channel.lease_expires_at = None
    update_channel_data(db, settings, channel, config=_cleared_login(), secrets={"bot_token": ""})


def disconnect_channel(db: Session, settings: Settings, customer_id: str) -> ChannelView:
    """Stop the channel: `disconnected`, credentials cleared, polling stops (idempotent)."""
    channel = _owned_channel(db, customer_id)
    if channel.status != ChannelStatus.DISCONNECTED:
        apply_transition(channel, Action.DISCONNECT)
        _end_session(db, settings, channel)
    return view_of(settings, channel)


def archive_channel(db: Session, settings: Settings, customer_id: str) -> ChannelView:
    """Delete the channel: `archived` with its credentials cleared; 409
    `disconnect_before_archive` while it is pending or connected. With no live channel left
    there is nothing to do (idempotent)."""
    channel = live_channel(db, customer_id, lock=True)
    if channel is None:
        return ChannelView(status=ChannelStatus.ARCHIVED)
    apply_transition(channel, Action.ARCHIVE)
    _end_session(db, settings, channel)
    return ChannelView(status=channel.status, channel_id=channel.id, updated_at=channel.updated_at)


def expire_session(db: Session, settings: Settings, channel: Channel) -> None:
    """iLink ended the account's session (-14): `error`, "session_expired", token cleared; the
    customer logs in again with a new QR code. Only a connected channel expires."""
    if not allows(channel.status, Action.EXPIRE_SESSION):
        return
    apply_transition(channel, Action.EXPIRE_SESSION)
    channel.last_error = SESSION_EXPIRED_ERROR
    _end_session(db, settings, channel)
