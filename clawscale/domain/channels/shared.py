"""Shared channels: one admin-configured channel of a kind, written to by many people.

A shared channel belongs to an agent (or, without one, the default agent serves it). Its config
(instance names, account ids, base URLs) and secrets (API keys, tokens) are sealed on the row;
what each kind needs is its adapter's `KindSchema`. Every channel gets a random `webhook_token`
at creation: the last segment of the webhook URL the provider calls.

Secrets are write-only: `SharedChannelView` carries `has_...` flags, never a value, and only
says whether the channel receives webhooks. The webhook URL holds the path token (the admin
pastes it into the provider), so it is shown only on an explicit request, `reveal_webhook_url`,
which is audited; a kind no provider calls (web chat) has none. The admin API and the console
pages both go through these functions, so each change is validated and audited the same way.
"""

import secrets as random_secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from clawscale.channels.registry import build_shared_adapters
from clawscale.channels.webhooks import BASE_URL, WEBHOOK_TOKEN, KindSchema, SharedChannelAdapter
from clawscale.domain.audit import record_admin_action
from clawscale.domain.channels.store import (
    channel_credentials,
    create_channel,
    update_channel_data,
)
from clawscale.domain.errors import Conflict, DomainError, NotFound
from clawscale.domain.sorting import Sort, order_by
from clawscale.models import Agent, Channel, ChannelScope, ChannelStatus
from clawscale.models.base import utcnow
from clawscale.settings import Settings

WEBHOOK_PATH = "/api/webhooks/{kind}/{channel_id}/{token}"
MAX_VALUE_LENGTH = 2048
AUDIT_TARGET = "channel"


class InvalidChannelData(DomainError):
    """The body names an unknown kind or agent, or the kind's config or secrets are incomplete.

    Answered 400 `invalid_body` with `issues`, one `{"path", "message"}` per problem.
    """

    def __init__(self, issues: list[dict[str, object]]) -> None:
        super().__init__("invalid_body", "The shared channel's settings are incomplete or wrong.")
        self.issues = issues


def issue(path: tuple[str, ...], message: str) -> dict[str, object]:
    """One validation problem, shaped like the API's other `issues`."""
    return {"path": list(path), "message": message}


@dataclass(frozen=True)
class SharedChannelView:
    """A shared channel as an admin sees it: no secret value, only which secrets are set."""

    channel: Channel
    agent: Agent | None
    config: dict[str, str]
    secret_flags: dict[str, bool]
    receives_webhooks: bool


@dataclass(frozen=True)
class SharedChannelChanges:
    """What a PATCH changes; None leaves a part as it is (`agent_id` None: leave the agent)."""

    name: str | None = None
    agent_id: str | None = None
    clear_agent: bool = False
    config: Mapping[str, str] | None = None
    secrets: Mapping[str, str] | None = None

    def field_names(self) -> list[str]:
        """The parts this change touches (for the audit log)."""
        parts = {
            "name": self.name is not None,
            "agent_id": self.agent_id is not None or self.clear_agent,
            "config": self.config is not None,
            "secrets": self.secrets is not None,
        }
        return [name for name, touched in parts.items() if touched]


def webhook_url(settings: Settings, channel: Channel, token: str) -> str:
    """The URL the provider calls for this channel (CLAWSCALE_PUBLIC_API_URL + the path)."""
    path = WEBHOOK_PATH.format(kind=channel.kind, channel_id=channel.id, token=token)
    return settings.CLAWSCALE_PUBLIC_API_URL.rstrip("/") + path


def new_webhook_token() -> str:
    """A fresh, unguessable path token."""
    return random_secrets.token_urlsafe(32)


def shared_adapter(settings: Settings, channel: Channel) -> SharedChannelAdapter:
    """The adapter serving the channel's kind; Conflict `unsupported_shared_channel_kind` when
    no adapter does (a row left by a kind since removed)."""
    adapter = build_shared_adapters(settings).get(channel.kind)
    if adapter is None:
        raise Conflict("unsupported_shared_channel_kind", "No adapter serves this kind.")
    return adapter


def kind_schema(settings: Settings, kind: str) -> KindSchema:
    """What a new channel of `kind` needs; InvalidChannelData naming the kinds there are."""
    adapters = build_shared_adapters(settings)
    if kind not in adapters:
        kinds = ", ".join(sorted(adapters))
        raise InvalidChannelData([issue(("kind",), f"Unsupported; one of {kinds}.")])
    return adapters[kind].schema


def shared_channel_view(db: Session, settings: Settings, channel: Channel) -> SharedChannelView:
    """The admin's view of a channel (Conflict when no adapter serves its kind)."""
    schema = shared_adapter(settings, channel).schema
    credentials = channel_credentials(settings, channel)
    return SharedChannelView(
        channel=channel,
        agent=db.get(Agent, channel.owner_agent_id) if channel.owner_agent_id else None,
        config={name: value for name, value in credentials.config.items() if value},
        secret_flags={name: bool(credentials.secrets.get(name)) for name in schema.secret_names},
        receives_webhooks=schema.provider_webhooks and bool(credentials.secrets.get(WEBHOOK_TOKEN)),
    )


def reveal_webhook_url(db: Session, settings: Settings, admin_id: str, channel_id: str) -> str:
    """The channel's webhook URL, path token included, for an admin who asked to see it; the
    request is audited. NotFound for an unknown channel; Conflict `no_webhook_url` for a kind no
    provider calls (web chat) or a channel without a token."""
    channel = get_shared_channel(db, channel_id)
    schema = shared_adapter(settings, channel).schema
    token = channel_credentials(settings, channel).secrets.get(WEBHOOK_TOKEN, "")
    if not schema.provider_webhooks or not token:
        raise Conflict("no_webhook_url", "This channel receives no webhooks: it has no URL.")
    record_admin_action(db, admin_id, "shared_channel.reveal_webhook_url", AUDIT_TARGET, channel.id)
    return webhook_url(settings, channel, token)


def _live_shared_channels() -> list:
    return [
        col(Channel.scope) == ChannelScope.SHARED,
        col(Channel.status) != ChannelStatus.ARCHIVED,
    ]


SHARED_CHANNEL_SORTS = {
    "name": col(Channel.name),
    "kind": col(Channel.kind),
    "state": col(Channel.status),
    "last_activity": col(Channel.last_activity_at),
}


def list_shared_channels(
    db: Session,
    limit: int,
    offset: int,
    *,
    kind: str | None = None,
    status: str | None = None,
    sort: Sort | None = None,
) -> tuple[list[Channel], int]:
    """One page of the shared channels not archived, in `sort` order (newest first by default),
    and how many there are."""
    conditions = _live_shared_channels()
    if kind:
        conditions.append(col(Channel.kind) == kind)
    if status:
        conditions.append(col(Channel.status) == status)
    total = db.exec(select(func.count()).select_from(Channel).where(*conditions)).one()
    newest = (col(Channel.created_at).desc(), col(Channel.id).desc())
    rows = db.exec(
        select(Channel)
        .where(*conditions)
        .order_by(*order_by(SHARED_CHANNEL_SORTS, sort, newest, col(Channel.id)))
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def list_shared_channel_views(
    db: Session,
    settings: Settings,
    limit: int,
    offset: int,
    *,
    kind: str | None = None,
    status: str | None = None,
    sort: Sort | None = None,
) -> tuple[list[SharedChannelView], int]:
    """`list_shared_channels` as the admin sees each row (rows of a kind no adapter serves are
    left out)."""
    rows, total = list_shared_channels(db, limit, offset, kind=kind, status=status, sort=sort)
    kinds = build_shared_adapters(settings)
    return [shared_channel_view(db, settings, row) for row in rows if row.kind in kinds], total


def get_shared_channel(db: Session, channel_id: str) -> Channel:
    """A shared channel not archived; NotFound `shared_channel_not_found` otherwise."""
    channel = db.get(Channel, channel_id, populate_existing=True)
    if (
        channel is None
        or channel.scope != ChannelScope.SHARED
        or channel.status == ChannelStatus.ARCHIVED
    ):
        raise NotFound("shared_channel_not_found", "No such shared channel.")
    return channel


def _check_values(
    part: str,
    given: Mapping[str, str],
    merged: Mapping[str, str],
    required: tuple[str, ...],
    allowed: tuple[str, ...],
) -> list[dict[str, object]]:
    problems = [
        issue((part, name), "Unknown field for this kind." if name not in allowed else "Too long.")
        for name, value in given.items()
        if name not in allowed or len(value) > MAX_VALUE_LENGTH
    ]
    problems += [issue((part, name), "Required.") for name in required if not merged.get(name)]
    return problems


def validate_channel_data(
    schema: KindSchema,
    config: Mapping[str, str],
    secrets: Mapping[str, str],
    *,
    current_config: Mapping[str, str] | None = None,
    current_secrets: Mapping[str, str] | None = None,
) -> list[dict[str, object]]:
    """What is missing, unknown or wrong in `config`/`secrets` once merged over the current ones."""
    merged_config = {**(current_config or {}), **config}
    merged_secrets = {**(current_secrets or {}), **secrets}
    problems = _check_values(
        "config",
        config,
        merged_config,
        schema.required_config,
        schema.required_config + schema.optional_config,
    )
    problems += _check_values(
        "secrets",
        secrets,
        merged_secrets,
        schema.required_secrets,
        schema.required_secrets + schema.optional_secrets,
    )
    url = config.get(BASE_URL, "")
    if url and not url.startswith(("https://", "http://")):
        problems.append(issue(("config", BASE_URL), "Must be an http(s) URL."))
    return problems


def _agent_problems(db: Session, agent_id: str | None) -> list[dict[str, object]]:
    if agent_id is None or db.get(Agent, agent_id) is not None:
        return []
    return [issue(("agent_id",), "No such agent.")]


def create_shared_channel(
    db: Session,
    settings: Settings,
    admin_id: str,
    *,
    kind: str,
    name: str,
    agent_id: str | None,
    config: Mapping[str, str],
    secrets: Mapping[str, str],
) -> Channel:
    """Store a new `disconnected` shared channel with a fresh webhook token; audited."""
    schema = kind_schema(settings, kind)
    problems = _agent_problems(db, agent_id) + validate_channel_data(schema, config, secrets)
    if problems:
        raise InvalidChannelData(problems)
    channel = create_channel(
        db,
        settings,
        kind,
        ChannelScope.SHARED,
        name=name,
        owner_agent_id=agent_id,
        status=ChannelStatus.DISCONNECTED,
        config={key: value for key, value in config.items() if value},
        secrets={
            **{key: value for key, value in secrets.items() if value},
            WEBHOOK_TOKEN: new_webhook_token(),
        },
    )
    details = {
        "kind": kind,
        "name": name,
        "agent_id": agent_id,
        "config": sorted(config),
        "secrets": sorted(secrets),
    }
    record_admin_action(db, admin_id, "shared_channel.create", AUDIT_TARGET, channel.id, details)
    return channel


def update_shared_channel(
    db: Session,
    settings: Settings,
    admin_id: str,
    channel: Channel,
    changes: SharedChannelChanges,
) -> Channel:
    """Apply a PATCH; config and secrets only while disconnected (409 otherwise); audited."""
    touches_data = changes.config is not None or changes.secrets is not None
    if touches_data and channel.status == ChannelStatus.CONNECTED:
        raise Conflict(
            "disconnect_before_config_change",
            "Disconnect the channel before changing its settings.",
        )
    current = channel_credentials(settings, channel)
    problems = _agent_problems(db, changes.agent_id) + validate_channel_data(
        shared_adapter(settings, channel).schema,
        dict(changes.config or {}),
        dict(changes.secrets or {}),
        current_config=current.config,
        current_secrets=current.secrets,
    )
    if problems:
        raise InvalidChannelData(problems)
    if changes.name is not None:
        channel.name = changes.name
    if changes.agent_id is not None or changes.clear_agent:
        channel.owner_agent_id = changes.agent_id
    update_channel_data(
        db,
        settings,
        channel,
        config=dict(changes.config) if changes.config is not None else None,
        secrets=dict(changes.secrets) if changes.secrets is not None else None,
    )
    details: dict[str, object] = {"fields": changes.field_names()}
    if changes.config is not None:
        details["config"] = sorted(changes.config)
    if changes.secrets is not None:
        details["secrets"] = sorted(changes.secrets)
    record_admin_action(db, admin_id, "shared_channel.update", AUDIT_TARGET, channel.id, details)
    return channel


def ensure_webhook_token(db: Session, settings: Settings, channel: Channel) -> str:
    """The channel's path token, generated first for a channel that has none."""
    token = channel_credentials(settings, channel).secrets.get(WEBHOOK_TOKEN, "")
    if not token:
        token = new_webhook_token()
        update_channel_data(db, settings, channel, secrets={WEBHOOK_TOKEN: token})
    return token


def mark_archived(db: Session, channel: Channel) -> None:
    """Archive the channel and drop its secrets (an archived channel never talks again)."""
    channel.status = ChannelStatus.ARCHIVED
    channel.secrets_encrypted = ""
    channel.updated_at = utcnow()
    db.add(channel)
    db.flush()
