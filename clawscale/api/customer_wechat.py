"""`/api/customer/channels/wechat-personal`: the signed-in customer's own WeChat channel
(CONTRACT.md, "Personal WeChat").

Every route needs an active customer identity (403 otherwise) and only ever reaches that
customer's channel. Answers are built from `WeChatChannelPublic`, which has no field for the bot
token or the QR code id, so neither can reach a response. The routes that call iLink resolve the
customer in a transaction of their own and hold none while they wait on WeChat.
"""

from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from clawscale.api.deps import EngineDep, HttpClientDep, SessionDep
from clawscale.api.envelopes import Ok
from clawscale.api.errors import ApiError
from clawscale.api.security import ActiveCustomer, SettingsDep, active_customer, current_customer
from clawscale.db import session_scope
from clawscale.domain.billing.access import DenialReason
from clawscale.domain.channels.wechat_login import (
    DEFAULT_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    LoginProviderError,
    follow_login,
    start_login,
)
from clawscale.domain.channels.wechat_personal import (
    ChannelView,
    archive_channel,
    channel_view,
    disconnect_channel,
    ensure_channel,
    page_url,
    view_of,
)
from clawscale.domain.errors import Forbidden

router = APIRouter(prefix="/api/customer/channels/wechat-personal")


def active_customer_id(request: Request, engine: EngineDep, settings: SettingsDep) -> str:
    """The active customer's id, resolved in a short transaction that ends before the route
    runs (`ActiveCustomer` keeps its session, and on SQLite its write lock, until the end)."""
    with session_scope(engine) as db:
        return active_customer(current_customer(request, db, settings)).account.customer.id


ActiveCustomerId = Annotated[str, Depends(active_customer_id)]


class WeChatChannelPublic(BaseModel):
    """The channel as its owner sees it: state, QR login progress, account, activity."""

    status: str
    channel_id: str | None
    login_status: str | None
    qr: str | None
    qr_url: str | None
    ilink_bot_id: str | None
    ilink_user_id: str | None
    last_activity_at: datetime | None
    last_error: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, view: ChannelView) -> "WeChatChannelPublic":
        """The public shape of a domain view."""
        return cls(
            status=view.status,
            channel_id=view.channel_id,
            login_status=view.login_status,
            qr=view.qr,
            qr_url=view.qr_url,
            ilink_bot_id=view.ilink_bot_id,
            ilink_user_id=view.ilink_user_id,
            last_activity_at=view.last_activity_at,
            last_error=view.last_error,
            updated_at=view.updated_at,
        )


class ConnectPublic(WeChatChannelPublic):
    """A started QR login: the channel, the QR code to show, and the page that follows it."""

    connect_url: str


PublicAnswer = TypeVar("PublicAnswer", bound=BaseModel)


def answer(public: PublicAnswer) -> Ok[PublicAnswer]:
    """The success envelope."""
    return Ok(data=public)


@router.get("/status")
def status(
    principal: ActiveCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[WeChatChannelPublic]:
    """The channel's state (`missing` when none) and safe details."""
    return answer(WeChatChannelPublic.of(channel_view(db, settings, principal.account.customer.id)))


@router.post("")
def create(
    principal: ActiveCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[WeChatChannelPublic]:
    """Create the customer's channel, or return the live one (idempotent)."""
    channel = ensure_channel(db, settings, principal.account.customer.id)
    return answer(WeChatChannelPublic.of(view_of(settings, channel)))


@router.post("/connect")
async def connect(
    customer_id: ActiveCustomerId, engine: EngineDep, settings: SettingsDep, client: HttpClientDep
) -> Ok[ConnectPublic]:
    """Start a QR login: `{channel_id, status, qr, qr_url, connect_url}` and the details; 402
    `subscription_required` when access lapsed, 409 `channel_already_connected`, 502
    `ilink_unavailable`."""
    try:
        view = await start_login(engine, settings, client, customer_id)
    except Forbidden as error:
        if error.code == DenialReason.SUBSCRIPTION_REQUIRED:
            raise ApiError(402, error.code, error.message) from error
        raise
    except LoginProviderError as error:
        raise ApiError(502, error.code, error.message) from error
    public = WeChatChannelPublic.of(view).model_dump()
    return Ok(data=ConnectPublic(**public, connect_url=page_url(settings)))


@router.get("/connect/status")
async def connect_status(
    customer_id: ActiveCustomerId,
    engine: EngineDep,
    settings: SettingsDep,
    client: HttpClientDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS)] = DEFAULT_WAIT_SECONDS,
) -> Ok[WeChatChannelPublic]:
    """Follow the QR login: ask WeChat (waiting up to `wait` seconds for news) and answer the
    channel with `login_status` wait, scaned, confirmed or expired."""
    view = await follow_login(engine, settings, client, customer_id, wait)
    return answer(WeChatChannelPublic.of(view))


@router.post("/disconnect")
def disconnect(
    principal: ActiveCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[WeChatChannelPublic]:
    """Stop the channel: `disconnected`, credentials cleared, polling stops (idempotent)."""
    return answer(
        WeChatChannelPublic.of(disconnect_channel(db, settings, principal.account.customer.id))
    )


@router.delete("")
def delete(
    principal: ActiveCustomer, db: SessionDep, settings: SettingsDep
) -> Ok[WeChatChannelPublic]:
    """Archive the channel (idempotent); 409 `disconnect_before_archive` while it is pending or
    connected."""
    return answer(
        WeChatChannelPublic.of(archive_channel(db, settings, principal.account.customer.id))
    )
