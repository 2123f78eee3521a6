"""`/admin/shared-channels`: the shared channels with their kind, agent, state, last activity and
last error, filtered by kind and state, a page at a time; and the form creating one, which asks
for the settings of the kind chosen (secrets write-only).

Secrets are write-only: the form sends them, the domain seals them, and the page only ever
learns whether each one is set. What each kind needs comes from its adapter's `KindSchema`, so
the form asks for exactly what the admin API accepts. Creating is audited by the domain."""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.channel_tables import (
    channel_filters,
    channel_state_cells,
    kind_text,
    kind_words,
)
from clawscale.components.admin.console import console_page
from clawscale.components.admin.shared_channel_form import (
    CONFIG,
    DEFAULT_AGENT,
    FORM_MESSAGES,
    KIND_LABELS,
    SECRETS,
    SETTINGS_PROBLEM,
    AgentChoice,
    KindField,
    agent_choices,
    agent_field,
    agent_id_of,
    agent_text,
    agent_words,
    channel_name_problem,
    choice_field,
    issue_problems,
    kind_inputs,
    submitted,
)
from clawscale.components.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    time_or_never,
)
from clawscale.components.admin.widgets import (
    clamped,
    icon_submit,
    section_title,
    table_with_pager,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, form_field
from clawscale.components.translated import chosen, t
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelView,
    create_shared_channel,
    list_shared_channel_views,
)
from clawscale.domain.sorting import Sort
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount, ChannelStatus
from clawscale.settings import Settings
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.channel_filters import ANY, ChannelFilterState, state_choices
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value, reset_form

CREATE_FORM_ID = "create-shared-channel-form"
DETAIL_ROUTE = "/admin/shared-channels/"
STATE_CHOICES = state_choices(ChannelStatus.ARCHIVED)
CHOOSE_KIND = N_("Choose the kind of channel.")
CREATED = N_("Created {name}. Open it to copy its webhook URL, then connect it.")


@dataclass(frozen=True)
class SharedChannelRow:
    """One shared channel as the table shows it: its kind and state in words (English message
    ids), its agent's name ("" for the default agent), its last activity an ISO string."""

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
        kind=kind_words(channel.kind),
        agent=agent_words(view),
        status_label=state_label(channel.status),
        status_color=state_color(channel.status),
        last_activity=iso_time(channel.last_activity_at),
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
    """The filters, the page of shared channels, and the create form (its kind and agent;
    `created`: the name of the channel it last created)."""

    MESSAGES: ClassVar[tuple[str, ...]] = (CHOOSE_KIND, CREATED, *FORM_MESSAGES)

    rows: list[SharedChannelRow] = rx.field(default_factory=list)
    loaded: bool = False
    agents: list[AgentChoice] = rx.field(default_factory=list)
    new_kind: str = ""
    new_agent: str = DEFAULT_AGENT
    created: str = ""

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
            "kind": "" if self.new_kind else CHOOSE_KIND,
            "name": channel_name_problem(name),
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
            self._fail(SETTINGS_PROBLEM)
            return
        self.created = added
        self._done(CREATED)
        self.new_kind, self.new_agent = "", DEFAULT_AGENT
        yield reset_form(CREATE_FORM_ID)
        yield await self._first_page()


SPEC = PageSpec(
    "/admin/shared-channels",
    N_("Shared channels"),
    N_("Connect WhatsApp, WeChat, iMessage/SMS and Telegram channels shared by an agent."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Channel"), "name"),
    Sortable(N_("Kind"), "kind"),
    N_("Agent"),
    Sortable(N_("State"), "state"),
    Sortable(N_("Last activity (UTC)"), "last_activity"),
    N_("Last error"),
)
SECRET_HINT = N_("Write-only: stored encrypted and never shown again.")


def blank(_setting: KindField) -> str:
    """A new channel's settings start empty."""
    return ""


def channel_row(row: Var[SharedChannelRow]) -> rx.Component:
    """One shared channel; its name opens the detail."""
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.link(
                    clamped(row.name, as_="span", weight="medium", size="2"),
                    href=row.href,
                    underline="hover",
                ),
                rx.code(row.id, variant="ghost", size="1", color_scheme="gray"),
                direction="column",
                spacing="1",
            ),
            min_width="10rem",
            max_width="16rem",
        ),
        rx.table.cell(rx.text(kind_text(row.kind), size="2"), min_width="8rem"),
        rx.table.cell(
            clamped(agent_text(row.agent), size="2"), min_width="7rem", max_width="12rem"
        ),
        *channel_state_cells(row, time_or_never(row.last_activity)),
        align="center",
        data_channel=row.id,
    )


def filters() -> rx.Component:
    """Kind and state, each applied at once."""
    return channel_filters(
        N_("Filter shared channels"),
        "shared-channel",
        SharedChannelsState,
        KIND_LABELS,
        STATE_CHOICES,
    )


def channels_table() -> rx.Component:
    """The current page, or what to do when nothing is there."""
    return rx.cond(
        SharedChannelsState.loaded,
        rx.cond(
            SharedChannelsState.rows,
            table_with_pager(
                data_table(
                    N_("Shared channels"),
                    COLUMNS,
                    rx.foreach(SharedChannelsState.rows, channel_row),
                    SharedChannelsState,
                ),
                pager(SharedChannelsState, N_("shared channels")),
            ),
            empty_state(
                "share-2",
                N_("No shared channels here"),
                N_(
                    "Create one below: choose its kind, enter the provider's settings, then open "
                    "it to paste its webhook URL into the provider and connect it. If you chose "
                    "a kind or state above, clear the filters to see every shared channel."
                ),
            ),
        ),
        loading_rows(N_("shared channels")),
    )


def create_form() -> rx.Component:
    """The new channel's kind, name and agent, then the settings its kind needs."""
    state = SharedChannelsState
    return rx.el.form(
        rx.flex(
            answer(chosen(state.form_error, state.MESSAGES), "error"),
            answer(chosen(state.notice, state.MESSAGES, name=state.created), "success"),
            rx.grid(
                choice_field(
                    N_("Channel kind"),
                    "field-kind",
                    state.new_kind,
                    state.choose_kind,
                    [rx.select.item(t(words), value=kind) for kind, words in KIND_LABELS.items()],
                    state,
                    "kind",
                ),
                form_field(
                    state,
                    t("Channel name"),
                    "name",
                    autocomplete="off",
                    hint=t("e.g. Support line"),
                ),
                agent_field(state, state.new_agent, state.choose_agent, state.agents),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            kind_inputs(state, state.new_kind, blank, SECRET_HINT),
            rx.flex(icon_submit("plus", N_("Create shared channel"), state)),
            direction="column",
            spacing="4",
        ),
        id=CREATE_FORM_ID,
        on_submit=state.create,
        no_validate=True,
        width="100%",
    )


def render_page() -> rx.Component:
    """The filters, the table, and the create form."""
    return console_page(
        SPEC,
        filters(),
        channels_table(),
        rx.card(
            rx.flex(
                section_title(
                    N_("Create a shared channel"),
                    N_(
                        "It starts disconnected: nothing reaches the agent until you connect it "
                        "from its page."
                    ),
                ),
                create_form(),
                direction="column",
                spacing="4",
            ),
            size="3",
        ),
    )


PAGE = SitePage(SPEC, render_page, on_load=(SharedChannelsState.load,))
