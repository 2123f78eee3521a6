"""`/admin/shared-channels`: the shared channels not archived, newest first, filtered by kind and
state, a page at a time; and creating one with its kind's settings and the agent serving it.

Secrets are write-only: the form sends them, the domain seals them, and the page only ever
learns whether each one is set. What each kind needs comes from its adapter's `KindSchema`, so
the form asks for exactly what the admin API accepts. Creating is audited by the domain.
"""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.channels.registry import build_shared_adapters
from clawscale.channels.webhooks import BASE_URL, KindSchema
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelView,
    create_shared_channel,
    list_shared_channel_views,
)
from clawscale.domain.runtime.agents import list_agents
from clawscale.domain.sorting import Sort
from clawscale.models import AdminAccount, ChannelStatus
from clawscale.settings import Settings, get_settings
from clawscale.state.admin.admins import reset_form
from clawscale.state.admin.agents import name_problem
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.channel_filters import ANY, ChannelFilterState, state_choices
from clawscale.state.admin.display import table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value

DEFAULT_AGENT = "default"
CREATE_FORM_ID = "create-shared-channel-form"
DETAIL_ROUTE = "/admin/shared-channels/"
AGENT_CHOICES_LIMIT = 200
KIND_LABELS: dict[str, str] = {
    "whatsapp_evolution": "WhatsApp (Evolution API)",
    "wechat_ecloud": "WeChat (GeWe / eCloud)",
    "linq": "iMessage / SMS (Linq)",
    "telegram": "Telegram",
    "whatsapp_business": "WhatsApp Business (Cloud API)",
}
FIELD_LABELS: dict[str, str] = {
    BASE_URL: "API base URL",
    "instance": "Instance name",
    "api_key": "API key",
    "app_id": "App ID",
    "gewe_token": "GeWe token",
    "from_number": "Sending number",
    "bot_token": "Bot token",
    "phone_number_id": "Phone number ID",
    "waba_id": "WhatsApp Business account ID",
    "access_token": "Access token",
    "app_secret": "App secret",
    "verify_token": "Verify token",
    "webhook_token": "Webhook path token",
    "signing_secret": "Signing secret",
    "secret_token": "Webhook secret token",
    "subscription_id": "Subscription ID",
}
STATE_CHOICES = state_choices(ChannelStatus.ARCHIVED)
CONFIG = "config"
SECRETS = "secrets"


def kind_label(kind: str) -> str:
    """A kind in words ("telegram" -> "Telegram")."""
    return KIND_LABELS.get(kind, kind)


def field_label(name: str) -> str:
    """A config or secret name in words."""
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class KindField:
    """One setting a kind's form asks for: its input name (`config.<name>` or
    `secrets.<name>`), its name in the kind's schema, words, and whether it is secret."""

    input_name: str
    key: str
    label: str
    secret: bool
    required: bool


def _fields(part: str, required: tuple[str, ...], optional: tuple[str, ...]) -> list[KindField]:
    return [
        KindField(
            f"{part}.{name}",
            name,
            field_label(name) if name in required else f"{field_label(name)} (optional)",
            part == SECRETS,
            name in required,
        )
        for name in (*required, *optional)
    ]


def kind_fields(schema: KindSchema) -> list[KindField]:
    """What an admin sets for a kind: its config, then its secrets (managed values left out)."""
    return _fields(CONFIG, schema.required_config, schema.optional_config) + _fields(
        SECRETS, schema.required_secrets, schema.optional_secrets
    )


@cache
def kind_schemas() -> dict[str, KindSchema]:
    """Every shared kind's schema, by kind (they do not depend on the settings' values)."""
    return {kind: adapter.schema for kind, adapter in build_shared_adapters(get_settings()).items()}


def submitted(form_data: Mapping[str, object], part: str) -> dict[str, str]:
    """The `config` or `secrets` values of a submitted form, by name (config trimmed)."""
    prefix = f"{part}."
    values = {
        name.removeprefix(prefix): field_value(form_data, name)
        for name in form_data
        if name.startswith(prefix)
    }
    return {name: value.strip() if part == CONFIG else value for name, value in values.items()}


def issue_problems(error: InvalidChannelData) -> dict[str, str]:
    """The domain's issues keyed by the form's input names (`agent_id` is the agent choice)."""
    problems: dict[str, str] = {}
    for found in error.issues:
        path = found.get("path")
        name = ".".join(str(part) for part in path) if isinstance(path, list) else ""
        problems.setdefault("agent" if name == "agent_id" else name, str(found.get("message")))
    return problems


@dataclass(frozen=True)
class AgentChoice:
    """An agent the form may pick."""

    id: str
    name: str


def agent_choices(db: Session) -> list[AgentChoice]:
    """The agents by name (the choice "Default agent" comes first on the page)."""
    agents, _total = list_agents(db, AGENT_CHOICES_LIMIT, 0)
    return [AgentChoice(agent.id, agent.name) for agent in agents]


def agent_id_of(choice: str) -> str | None:
    """The agent chosen (None for the default agent)."""
    return None if choice in ("", DEFAULT_AGENT) else choice


def agent_words(view: SharedChannelView) -> str:
    """Who serves the channel."""
    return view.agent.name if view.agent else "Default agent"


@dataclass(frozen=True)
class SharedChannelRow:
    """One shared channel as the table shows it."""

    id: str
    name: str
    href: str
    kind: str
    agent: str
    status_label: str
    status_color: str
    last_activity: str
    last_error: str


def shared_channel_row(view: SharedChannelView) -> SharedChannelRow:
    """A channel in words."""
    channel = view.channel
    return SharedChannelRow(
        id=channel.id,
        name=channel.name,
        href=DETAIL_ROUTE + channel.id,
        kind=kind_label(channel.kind),
        agent=agent_words(view),
        status_label=state_label(channel.status),
        status_color=state_color(channel.status),
        last_activity=table_time(channel.last_activity_at),
        last_error=channel.last_error or "",
    )


@dataclass(frozen=True)
class SharedChannelsPage(TablePage[SharedChannelRow]):
    """A page of shared channels, and the agents the create form offers."""

    agents: list[AgentChoice] = field(default_factory=list)


def shared_channels_page(
    db: Session, settings: Settings, offset: int, kind: str, status: str, sort: Sort
) -> SharedChannelsPage:
    """The page at `offset`, in `sort` order, of the channels of `kind` in `status` (ANY for
    every one)."""
    kind_or_none = None if kind == ANY else kind
    status_or_none = None if status == ANY else status

    def fetch(start: int) -> tuple[list[SharedChannelView], int]:
        return list_shared_channel_views(
            db, settings, PAGE_SIZE, start, kind=kind_or_none, status=status_or_none, sort=sort
        )

    views, total = fetch(offset)
    start = page_offset(offset, total)
    if start != offset:  # past the end (channels went away): the last page instead
        views, total = fetch(start)
    rows = [shared_channel_row(view) for view in views]
    return SharedChannelsPage(rows, start, total, agent_choices(db))


@dataclass(frozen=True)
class NewChannel:
    """What the create form asked for."""

    kind: str
    name: str
    agent_id: str | None
    config: dict[str, str]
    secrets: dict[str, str]


def add_shared_channel(
    db: Session, settings: Settings, admin: AdminAccount, new: NewChannel
) -> str:
    """Create the channel (audited); its name."""
    channel = create_shared_channel(
        db,
        settings,
        admin.id,
        kind=new.kind,
        name=new.name,
        agent_id=new.agent_id,
        config=new.config,
        secrets=new.secrets,
    )
    return channel.name


class SharedChannelsState(FormState, ChannelFilterState, SortedPaginationState, AdminSessionState):
    """The filters, the page of shared channels, and the create form (its kind and agent)."""

    rows: list[SharedChannelRow] = rx.field(default_factory=list)
    loaded: bool = False
    agents: list[AgentChoice] = rx.field(default_factory=list)
    new_kind: str = ""
    new_agent: str = DEFAULT_AGENT

    async def _load_page(self) -> EventSpec | None:
        offset, kind, status, sort = self.offset, self.kind_filter, self.state_filter, self._sort()
        return await self._load_rows(
            lambda db, settings, _me: shared_channels_page(db, settings, offset, kind, status, sort)
        )

    def _show_rows(self, page: TablePage[SharedChannelRow]) -> None:
        super()._show_rows(page)
        if isinstance(page, SharedChannelsPage):
            self.agents = page.agents

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then every shared channel and a fresh form."""
        self._clear_form()
        if not await self._refresh_session():
            return self._signed_out()
        self._reset_filters()
        self._reset_sort()
        self.new_kind, self.new_agent = "", DEFAULT_AGENT
        return await self._first_page()

    def _kind_choices(self) -> Mapping[str, str]:
        return KIND_LABELS

    def _state_choices(self) -> Mapping[str, str]:
        return STATE_CHOICES

    @rx.event
    def choose_kind(self, kind: str) -> None:
        """The kind of the new channel: the form then asks for that kind's settings."""
        self.new_kind = kind
        self.errors = {}

    @rx.event
    def choose_agent(self, choice: str) -> None:
        """The agent that will serve the new channel."""
        if choice:  # a form reset clears the choice: the agent stays as it was
            self.new_agent = choice

    @rx.event
    async def create(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check and create the channel; secrets are read here and forgotten."""
        self._begin_submit()
        name = field_value(form_data, "name").strip()
        problems = {
            "kind": "" if self.new_kind else "Choose the kind of channel.",
            "name": name_problem(name),
        }
        if self._rejected(problems):
            return
        yield None
        new = NewChannel(
            self.new_kind,
            name,
            agent_id_of(self.new_agent),
            {key: value for key, value in submitted(form_data, CONFIG).items() if value},
            {key: value for key, value in submitted(form_data, SECRETS).items() if value},
        )
        try:
            added = await self._as_admin(
                lambda db, settings, me: add_shared_channel(db, settings, me, new)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except InvalidChannelData as error:
            self._rejected(issue_problems(error))
            self._fail(error.message or error.code)
            return
        self._done(f"Created {added}. Open it to copy its webhook URL, then connect it.")
        self.new_kind, self.new_agent = "", DEFAULT_AGENT
        yield reset_form(CREATE_FORM_ID)
        yield await self._first_page()
