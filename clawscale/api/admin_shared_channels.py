"""`/api/admin/shared-channels`: create, edit, connect, disconnect and archive shared channels.

Admin Bearer (or admin session cookie) only; every change is audited. Secrets are write-only:
requests may set them, answers carry `has_<name>` flags (`has_webhook_token`, `has_api_key`,
`has_signing_secret`, ...) and never a value. The webhook URL to paste into the provider holds
the channel's path token, so answers only say `receives_webhooks`; the URL itself comes from
`POST /{id}/webhook-url`, an audited request.
Connect and disconnect call the provider first: 502 `provider_error` when it fails, the row
unchanged.
"""

from datetime import datetime
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from clawscale.api.deps import HttpClientDep, SessionDep
from clawscale.api.envelopes import Listing, Ok, PublicView
from clawscale.api.errors import ApiError, error_response
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.security import CurrentAdmin, SettingsDep, current_admin
from clawscale.channels.webhooks import ProviderError
from clawscale.domain.channels.connections import change_shared_channel
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelChanges,
    SharedChannelView,
    create_shared_channel,
    get_shared_channel,
    list_shared_channel_views,
    reveal_webhook_url,
    shared_channel_view,
    update_shared_channel,
)
from clawscale.models import Channel, ChannelStatus
from clawscale.settings import Settings

router = APIRouter(prefix="/api/admin/shared-channels", dependencies=[Depends(current_admin)])

Name = Annotated[str, Field(min_length=1, max_length=200)]
Values = dict[str, Annotated[str, Field(max_length=4096)]]


class SharedChannelCreate(BaseModel):
    """A new shared channel; `agent_id` null: served by the default agent."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1, max_length=40)]
    name: Name
    agent_id: Annotated[str | None, Field(max_length=40)] = None
    config: Values = Field(default_factory=dict)
    secrets: Values = Field(default_factory=dict)


class SharedChannelUpdate(BaseModel):
    """A PATCH: only the fields given change; `agent_id: null` hands it to the default agent."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    agent_id: Annotated[str | None, Field(max_length=40)] = None
    config: Values | None = None
    secrets: Values | None = None

    def changes(self) -> SharedChannelChanges:
        """The domain's view of this PATCH."""
        return SharedChannelChanges(
            name=self.name,
            agent_id=self.agent_id,
            clear_agent="agent_id" in self.model_fields_set and self.agent_id is None,
            config=self.config,
            secrets=self.secrets,
        )


SecretFlag = Annotated[bool | None, Field(exclude_if=lambda flag: flag is None)]
"""Whether a secret is set; left out of the answer for secrets the channel's kind never holds."""


class AgentRef(PublicView):
    """The agent serving a shared channel's people."""

    id: str
    slug: str
    name: str


class SharedChannelPublic(BaseModel):
    """A shared channel as the admin API shows it: a `has_<secret>` flag for each secret its
    kind may hold (flags of other kinds are left out of the answer), never a secret's value."""

    id: str
    kind: str
    name: str
    status: ChannelStatus
    agent_id: str | None
    agent: AgentRef | None
    config: dict[str, str]
    receives_webhooks: bool
    last_error: str | None
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime
    has_webhook_token: SecretFlag = None
    has_api_key: SecretFlag = None
    has_gewe_token: SecretFlag = None
    has_signing_secret: SecretFlag = None
    has_bot_token: SecretFlag = None
    has_secret_token: SecretFlag = None
    has_access_token: SecretFlag = None
    has_app_secret: SecretFlag = None
    has_verify_token: SecretFlag = None

    @classmethod
    def of(cls, view: SharedChannelView) -> "SharedChannelPublic":
        """The answer for a channel's admin view."""
        channel, agent = view.channel, view.agent
        return cls(
            id=channel.id,
            kind=channel.kind,
            name=channel.name,
            status=channel.status,
            agent_id=channel.owner_agent_id,
            agent=AgentRef.model_validate(agent) if agent else None,
            config=view.config,
            receives_webhooks=view.receives_webhooks,
            last_error=channel.last_error,
            last_activity_at=channel.last_activity_at,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
            **{f"has_{name}": flag for name, flag in view.secret_flags.items()},
        )


class WebhookUrlAnswer(BaseModel):
    """A channel's webhook URL, path token included: what the provider must call."""

    webhook_url: str


class SharedChannelAnswer(BaseModel):
    """One shared channel."""

    channel: SharedChannelPublic


def _answer(db: SessionDep, settings: Settings, channel: Channel) -> Ok[SharedChannelAnswer]:
    view = shared_channel_view(db, settings, channel)
    return Ok(data=SharedChannelAnswer(channel=SharedChannelPublic.of(view)))


def _invalid(error: InvalidChannelData) -> JSONResponse:
    return error_response(400, "invalid_body", error.message, issues=error.issues)


@router.get("", dependencies=[Depends(reject_unknown_query("kind", "status"))])
def shared_channels(
    db: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[ChannelStatus | None, Query()] = None,
) -> Ok[Listing[SharedChannelPublic]]:
    """Shared channels not archived, newest first, paginated."""
    views, total = list_shared_channel_views(
        db, settings, page.limit, page.offset, kind=kind, status=status
    )
    items = [SharedChannelPublic.of(view) for view in views]
    return Ok(data=Listing[SharedChannelPublic].model_validate(page.envelope(items, total)))


@router.post("", status_code=201, response_model=Ok[SharedChannelAnswer])
def create(
    body: SharedChannelCreate, db: SessionDep, settings: SettingsDep, principal: CurrentAdmin
) -> Ok[SharedChannelAnswer] | JSONResponse:
    """A new `disconnected` channel with a fresh webhook token."""
    try:
        channel = create_shared_channel(
            db,
            settings,
            principal.admin.id,
            kind=body.kind,
            name=body.name,
            agent_id=body.agent_id,
            config=body.config,
            secrets=body.secrets,
        )
    except InvalidChannelData as error:
        return _invalid(error)
    return _answer(db, settings, channel)


@router.get("/{channel_id}")
def detail(channel_id: str, db: SessionDep, settings: SettingsDep) -> Ok[SharedChannelAnswer]:
    """One shared channel."""
    return _answer(db, settings, get_shared_channel(db, channel_id))


@router.post("/{channel_id}/webhook-url")
def webhook_url(
    channel_id: str, db: SessionDep, settings: SettingsDep, principal: CurrentAdmin
) -> Ok[WebhookUrlAnswer]:
    """Reveal the webhook URL (audited); 404 for an unknown channel, 409 `no_webhook_url` for
    a kind no provider calls (web chat)."""
    url = reveal_webhook_url(db, settings, principal.admin.id, channel_id)
    return Ok(data=WebhookUrlAnswer(webhook_url=url))


@router.patch("/{channel_id}", response_model=Ok[SharedChannelAnswer])
def update(
    channel_id: str,
    body: SharedChannelUpdate,
    db: SessionDep,
    settings: SettingsDep,
    principal: CurrentAdmin,
) -> Ok[SharedChannelAnswer] | JSONResponse:
    """Rename, reassign, or change config and secrets (those only while disconnected)."""
    channel = get_shared_channel(db, channel_id)
    try:
        update_shared_channel(db, settings, principal.admin.id, channel, body.changes())
    except InvalidChannelData as error:
        return _invalid(error)
    return _answer(db, settings, channel)


async def _provider_change(
    target: ChannelStatus,
    channel_id: str,
    db: SessionDep,
    settings: Settings,
    client: httpx.AsyncClient,
    admin_id: str,
) -> Ok[SharedChannelAnswer]:
    """Run a provider-first change; database work stays off the event loop."""
    try:
        changed = await change_shared_channel(db, settings, client, channel_id, admin_id, target)
    except ProviderError as error:
        raise ApiError(502, "provider_error", str(error)) from error
    return await run_in_threadpool(_answer, db, settings, changed)


@router.post("/{channel_id}/connect")
async def connect(
    channel_id: str,
    db: SessionDep,
    settings: SettingsDep,
    client: HttpClientDep,
    principal: CurrentAdmin,
) -> Ok[SharedChannelAnswer]:
    """Register our webhook with the provider; the channel is then `connected`."""
    return await _provider_change(
        ChannelStatus.CONNECTED, channel_id, db, settings, client, principal.admin.id
    )


@router.post("/{channel_id}/disconnect")
async def disconnect(
    channel_id: str,
    db: SessionDep,
    settings: SettingsDep,
    client: HttpClientDep,
    principal: CurrentAdmin,
) -> Ok[SharedChannelAnswer]:
    """Clear our webhook at the provider; the channel is then `disconnected`."""
    return await _provider_change(
        ChannelStatus.DISCONNECTED, channel_id, db, settings, client, principal.admin.id
    )


@router.delete("/{channel_id}")
async def archive(
    channel_id: str,
    db: SessionDep,
    settings: SettingsDep,
    client: HttpClientDep,
    principal: CurrentAdmin,
) -> Ok[SharedChannelAnswer]:
    """Archive (disconnecting at the provider first when connected); secrets are dropped."""
    return await _provider_change(
        ChannelStatus.ARCHIVED, channel_id, db, settings, client, principal.admin.id
    )
