"""`/admin/agents`: the agent runtimes, registering and editing one (token write-only; an
optional provisioning URL; the reply wait), and choosing the default agent for new customers.

An agent may name a provisioning URL (where new customers are announced before their first
message); left empty, the runtime needs none. Its reply wait is how long a forward waits for the
runtime's answer."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlparse

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    state_badge,
    time_or_never,
)
from clawscale.components.admin.widgets import (
    clamped,
    detail_dialog,
    icon_submit,
    row_button,
    section_title,
    table_with_pager,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, form_field
from clawscale.components.translated import chosen, t
from clawscale.domain.errors import Conflict, DomainError
from clawscale.domain.runtime.agent_fields import (
    AGENT_FIELD_PROBLEMS,
    name_problem,
    reply_wait_problem,
    slug_problem,
    url_problem,
)
from clawscale.domain.runtime.agents import AgentChanges, edit_agent, list_agents, register_agent
from clawscale.domain.sorting import Sort
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount, Agent
from clawscale.models.agents import (
    DEFAULT_FORWARD_TIMEOUT_SECONDS,
    MAX_FORWARD_TIMEOUT_SECONDS,
    MIN_FORWARD_TIMEOUT_SECONDS,
)
from clawscale.settings import Settings
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value, reset_form

ADD_FORM_ID = "add-agent-form"
EDIT_FORM_ID = "edit-agent-form"
SLUG_TAKEN = N_("Another agent already uses this slug.")
NOT_SAVED = N_("The agent could not be saved. Reload the page and try again.")
REGISTERED = N_("Registered {name}.")
MADE_DEFAULT = N_("{name} is now the default agent for new customers.")
SAVED = N_("Saved {name}.")
FORM_MESSAGES = (*AGENT_FIELD_PROBLEMS, SLUG_TAKEN, NOT_SAVED, REGISTERED)
OUTCOMES = (NOT_SAVED, MADE_DEFAULT, SAVED)


@dataclass(frozen=True)
class AgentRow:
    """One agent as the table shows it (never its token)."""

    id: str
    slug: str
    name: str
    endpoint: str
    provisioning_url: str
    provisioning: str
    forward_timeout_seconds: int
    has_token: bool
    is_default: bool
    updated: str


def provisioning_shown(provisioning_url: str | None) -> str:
    """Where new customers are announced, as its host (never any credentials in the URL), or
    "none" when the runtime needs no provisioning."""
    if not provisioning_url:
        return "none"
    return urlparse(provisioning_url).netloc.rpartition("@")[2] or provisioning_url


def agent_row(agent: Agent) -> AgentRow:
    """An agent in words."""
    return AgentRow(
        agent.id,
        agent.slug,
        agent.name,
        agent.endpoint,
        agent.provisioning_url or "",
        provisioning_shown(agent.provisioning_url),
        agent.forward_timeout_seconds,
        bool(agent.token_encrypted),
        agent.is_default,
        iso_time(agent.updated_at),
    )


def agents_page(db: Session, offset: int, sort: Sort) -> TablePage[AgentRow]:
    """The page of agents at `offset` (snapped to a page that exists) in `sort` order."""
    agents, total = list_agents(db, PAGE_SIZE, offset, sort)
    start = page_offset(offset, total)
    if start != offset:
        agents, total = list_agents(db, PAGE_SIZE, start, sort)
    return TablePage([agent_row(agent) for agent in agents], start, total)


def reply_wait_seconds(text: str) -> int | None:
    """The reply wait typed in, as whole seconds within the bounds (None when it is not)."""
    seconds = int(text) if text.isascii() and text.isdigit() else None
    return None if reply_wait_problem(seconds) else seconds


def agent_problems(
    name: str, endpoint: str, provisioning_url: str, reply_wait: int | None
) -> dict[str, str]:
    """What is wrong with the fields a new and an edited agent share, by field ("" when a field
    is fine; `reply_wait` is None when the seconds typed in are not a whole number in bounds)."""
    return {
        "name": name_problem(name),
        "endpoint": url_problem(endpoint),
        "provisioning_url": url_problem(provisioning_url, optional=True),
        "forward_timeout_seconds": reply_wait_problem(reply_wait),
    }


@dataclass(frozen=True)
class NewAgent:
    """A checked registration (the token only until it is stored, and never in a repr)."""

    slug: str
    name: str
    endpoint: str
    token: str = field(repr=False)
    provisioning_url: str
    forward_timeout_seconds: int
    is_default: bool


def add_agent(db: Session, settings: Settings, admin: AdminAccount, new: NewAgent) -> str:
    """Register the agent (audited); its name."""
    agent = register_agent(
        db,
        settings,
        admin.id,
        new.slug,
        new.name,
        new.endpoint,
        new.token,
        new.is_default,
        provisioning_url=new.provisioning_url or None,
        forward_timeout_seconds=new.forward_timeout_seconds,
    )
    return agent.name


def change_agent(
    db: Session, settings: Settings, admin: AdminAccount, agent_id: str, changes: AgentChanges
) -> str:
    """Apply the changes to the agent (audited); its name."""
    return edit_agent(db, settings, admin.id, agent_id, changes).name


class AgentsState(FormState, SortedPaginationState, AdminSessionState):
    """The page of agents, the registration form, and the last outcome (message ids, with the
    agent's name beside)."""

    MESSAGES: ClassVar[tuple[str, ...]] = FORM_MESSAGES
    rows: list[AgentRow] = rx.field(default_factory=list)
    loaded: bool = False
    outcome: str = ""
    outcome_error: str = ""
    outcome_name: str = ""

    async def _load_page(self) -> EventSpec | None:
        offset, sort = self.offset, self._sort()
        return await self._load_rows(lambda db, _settings, _me: agents_page(db, offset, sort))

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the first page and a fresh form."""
        self._clear_form()
        self.outcome = self.outcome_error = ""
        if not await self._refresh_session():
            return self._signed_out()
        self._reset_sort("name")
        return await self._first_page()

    @rx.event
    async def add(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check and register the new agent; the token is read here and forgotten."""
        self._begin_submit()
        self.outcome = self.outcome_error = ""
        slug = field_value(form_data, "slug").strip()
        name = field_value(form_data, "name").strip()
        endpoint = field_value(form_data, "endpoint").strip()
        provisioning_url = field_value(form_data, "provisioning_url").strip()
        seconds = reply_wait_seconds(field_value(form_data, "forward_timeout_seconds").strip())
        problems = agent_problems(name, endpoint, provisioning_url, seconds)
        if self._rejected({"slug": slug_problem(slug), **problems}) or seconds is None:
            return
        yield None
        new = NewAgent(
            slug,
            name,
            endpoint,
            field_value(form_data, "token"),
            provisioning_url,
            seconds,
            field_value(form_data, "is_default") == "on",
        )
        try:
            added = await self._as_admin(lambda db, settings, me: add_agent(db, settings, me, new))
        except AdminSignedOut:
            yield self._signed_out()
            return
        except Conflict as error:
            if error.code == "agent_slug_taken":
                self._rejected({"slug": SLUG_TAKEN})
            else:
                self._fail(NOT_SAVED)
            return
        self.outcome_name = added
        self._done(REGISTERED)
        yield reset_form(ADD_FORM_ID)
        yield await self._load_page()

    @rx.event
    async def set_default(self, agent_id: str) -> EventSpec | None:
        """Make this agent the default for new customers."""
        self._clear_form()
        self.outcome = self.outcome_error = ""
        changes = AgentChanges(is_default=True)
        try:
            name = await self._as_admin(
                lambda db, settings, me: change_agent(db, settings, me, agent_id, changes)
            )
        except AdminSignedOut:
            return self._signed_out()
        except DomainError:
            self.outcome_error = NOT_SAVED
        else:
            self.outcome_name = name
            self.outcome = MADE_DEFAULT
        return await self._load_page()

    @rx.event
    async def edited(self, name: str) -> EventSpec | None:
        """After an edit: say so, and show the page again as it now is."""
        self._clear_form()
        self.outcome_error = ""
        self.outcome_name = name
        self.outcome = SAVED
        return await self._load_page()


class AgentEditState(FormState, AdminSessionState):
    """The agent being edited in the dialog: its name, endpoint, provisioning URL ("" for none)
    and reply wait as they were when the dialog opened (the token is never here: the field
    starts blank, and blank keeps it)."""

    MESSAGES: ClassVar[tuple[str, ...]] = (*AGENT_FIELD_PROBLEMS, NOT_SAVED)

    editing: bool = False
    agent_id: str = ""
    name: str = ""
    endpoint: str = ""
    provisioning_url: str = ""
    forward_timeout_seconds: int = 0
    has_token: bool = False

    @rx.event
    def start(
        self,
        agent_id: str,
        name: str,
        endpoint: str,
        provisioning_url: str,
        forward_timeout_seconds: int,
        has_token: bool,
    ) -> None:
        """Open the dialog for this agent."""
        self._clear_form()
        self.agent_id, self.name, self.endpoint = agent_id, name, endpoint
        self.provisioning_url = provisioning_url
        self.forward_timeout_seconds = forward_timeout_seconds
        self.has_token = has_token
        self.editing = True

    @rx.event
    def set_editing(self, editing: bool) -> None:
        """Open or close the dialog (Escape, Cancel or an outside click close it)."""
        self.editing = editing

    @rx.event
    async def save(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check and save the agent's new name and endpoint, and its token, provisioning URL
        (empty: none needed) and reply wait when they changed."""
        self._begin_submit()
        name = field_value(form_data, "edit_name").strip()
        endpoint = field_value(form_data, "edit_endpoint").strip()
        provisioning_url = field_value(form_data, "edit_provisioning_url").strip()
        seconds = reply_wait_seconds(field_value(form_data, "edit_forward_timeout_seconds").strip())
        token = field_value(form_data, "edit_token")
        problems = agent_problems(name, endpoint, provisioning_url, seconds)
        edit_problems = {f"edit_{key}": problem for key, problem in problems.items()}
        if self._rejected(edit_problems) or seconds is None:
            return
        yield None
        changes = AgentChanges(
            name=name,
            endpoint=endpoint,
            token=token or None,
            provisioning_url=provisioning_url
            if provisioning_url != self.provisioning_url
            else None,
            forward_timeout_seconds=seconds if seconds != self.forward_timeout_seconds else None,
        )
        agent_id = self.agent_id
        try:
            saved = await self._as_admin(
                lambda db, settings, me: change_agent(db, settings, me, agent_id, changes)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except DomainError:
            self._fail(NOT_SAVED)
            return
        self._done()
        self.editing = False
        yield AgentsState.edited(saved)


SPEC = PageSpec(
    "/admin/agents",
    N_("Agents"),
    N_("Register agent runtimes, their endpoints and tokens, and choose the default agent."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Agent"), "name"),
    Sortable(N_("Endpoint"), "endpoint"),
    N_("Provisioning"),
    N_("Token"),
    N_("Default"),
    Sortable(N_("Updated (UTC)"), "updated"),
    "",
)
TOKEN_HINT = N_("Write-only: stored encrypted and never shown again.")
NEW_TOKEN_HINT = N_(
    "Leave blank to keep the current token. Write-only: stored encrypted and never shown again."
)
PROVISIONING_HINT = N_(
    "Where new customers are announced before their first message. Leave empty when the "
    "runtime needs no provisioning (Coke's bridge needs none)."
)
REPLY_WAIT_HINT = N_("How long a message waits for the runtime's answer: {min} to {max} seconds.")
PROVISIONING_LABEL = N_("Provisioning URL")
REPLY_WAIT_LABEL = N_("Reply wait (seconds)")


def seconds_field(state: type[FormState], name: str, default_value: int | Var[int]) -> rx.Component:
    """The labelled reply-wait number input named `name`, with its hint and the problem `state`
    found."""
    return form_field(
        state,
        t(REPLY_WAIT_LABEL),
        name,
        input_type="number",
        autocomplete="off",
        hint=t(REPLY_WAIT_HINT, min=MIN_FORWARD_TIMEOUT_SECONDS, max=MAX_FORWARD_TIMEOUT_SECONDS),
        default_value=default_value.to_string()
        if isinstance(default_value, Var)
        else str(default_value),
        min=MIN_FORWARD_TIMEOUT_SECONDS,
        max=MAX_FORWARD_TIMEOUT_SECONDS,
        step=1,
        input_mode="numeric",
    )


def provisioning_cell(row: Var[AgentRow]) -> rx.Component:
    """Where new customers are announced (the URL's host, or "none"), and the reply wait."""
    return rx.flex(
        rx.cond(
            row.provisioning_url != "",
            clamped(row.provisioning, size="2"),
            rx.box(state_badge(N_("none"), "gray")),
        ),
        rx.text(
            t("Reply wait {seconds} s", seconds=row.forward_timeout_seconds),
            size="1",
            color_scheme="gray",
            white_space="nowrap",
        ),
        direction="column",
        spacing="1",
    )


def default_cell(row: Var[AgentRow]) -> rx.Component:
    """The Default badge, or the button that makes this agent the default."""
    return rx.cond(
        row.is_default,
        state_badge(N_("Default"), "indigo"),
        row_button(
            N_("Make default"),
            "star",
            AgentsState.set_default(row.id),
            t("Make {name} default", name=row.name),
        ),
    )


def agent_table_row(row: Var[AgentRow]) -> rx.Component:
    """One agent (never its token: only whether one is set)."""
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                clamped(row.name, weight="medium", size="2"),
                rx.code(row.slug, variant="ghost", size="1", color_scheme="gray"),
                direction="column",
                spacing="1",
            ),
            min_width="10rem",
            max_width="16rem",
        ),
        rx.table.cell(clamped(row.endpoint, size="2"), min_width="12rem", max_width="20rem"),
        rx.table.cell(provisioning_cell(row), max_width="9rem"),
        rx.table.cell(
            rx.cond(
                row.has_token,
                state_badge(N_("Configured"), "green"),
                state_badge(N_("None"), "gray"),
            )
        ),
        rx.table.cell(default_cell(row)),
        rx.table.cell(
            time_or_never(row.updated), white_space=rx.breakpoints(initial="normal", md="nowrap")
        ),
        rx.table.cell(
            row_button(
                N_("Edit"),
                "pencil",
                AgentEditState.start(
                    row.id,
                    row.name,
                    row.endpoint,
                    row.provisioning_url,
                    row.forward_timeout_seconds,
                    row.has_token,
                ),
                t("Edit {name}", name=row.name),
            )
        ),
        align="center",
        data_agent=row.slug,
    )


def agents_table() -> rx.Component:
    """The current page of agents, or what to do when there are none."""
    return rx.cond(
        AgentsState.loaded,
        rx.cond(
            AgentsState.rows,
            table_with_pager(
                data_table(
                    N_("Agents"),
                    COLUMNS,
                    rx.foreach(AgentsState.rows, agent_table_row),
                    AgentsState,
                ),
                pager(AgentsState, N_("agents")),
            ),
            empty_state(
                "bot",
                N_("No agent registered"),
                N_(
                    "Register the first agent runtime below and make it the default: new "
                    "customers are bound to the default agent."
                ),
            ),
        ),
        loading_rows(N_("agents")),
    )


def add_agent_form() -> rx.Component:
    """The new agent's slug, name, endpoint, token, provisioning URL (optional), reply wait,
    and whether it becomes the default."""
    return rx.el.form(
        rx.flex(
            answer(chosen(AgentsState.form_error, FORM_MESSAGES), "error"),
            answer(
                chosen(AgentsState.notice, FORM_MESSAGES, name=AgentsState.outcome_name), "success"
            ),
            rx.grid(
                form_field(
                    AgentsState,
                    t("Slug"),
                    "slug",
                    autocomplete="off",
                    hint=t("e.g. {example}", example="support-bot"),
                ),
                form_field(AgentsState, t("Agent name"), "name", autocomplete="off"),
                form_field(AgentsState, t("Endpoint"), "endpoint", autocomplete="off"),
                form_field(
                    AgentsState,
                    t("Token"),
                    "token",
                    input_type="password",
                    autocomplete="new-password",
                    hint=t(TOKEN_HINT),
                ),
                form_field(
                    AgentsState,
                    t(PROVISIONING_LABEL),
                    "provisioning_url",
                    autocomplete="off",
                    hint=t(PROVISIONING_HINT),
                ),
                seconds_field(
                    AgentsState, "forward_timeout_seconds", DEFAULT_FORWARD_TIMEOUT_SECONDS
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            rx.text(
                rx.flex(
                    rx.checkbox(name="is_default", id="agent-is-default"),
                    rx.el.label(t("Make it the default agent"), html_for="agent-is-default"),
                    spacing="2",
                    align="center",
                ),
                as_="div",
                size="2",
            ),
            rx.flex(icon_submit("plus", N_("Register agent"), AgentsState)),
            direction="column",
            spacing="4",
        ),
        id=ADD_FORM_ID,
        on_submit=AgentsState.add,
        no_validate=True,
        width="100%",
    )


def edit_agent_dialog() -> rx.Component:
    """The agent being edited: its name, endpoint, provisioning URL, reply wait, and a new token
    (blank keeps the current)."""
    return detail_dialog(
        t("Edit {name}", name=AgentEditState.name),
        AgentEditState.editing,
        AgentEditState.set_editing,
        rx.el.form(
            rx.flex(
                answer(chosen(AgentEditState.form_error, AgentEditState.MESSAGES), "error"),
                form_field(
                    AgentEditState,
                    t("Agent name"),
                    "edit_name",
                    autocomplete="off",
                    default_value=AgentEditState.name,
                ),
                form_field(
                    AgentEditState,
                    t("Endpoint"),
                    "edit_endpoint",
                    autocomplete="off",
                    default_value=AgentEditState.endpoint,
                ),
                form_field(
                    AgentEditState,
                    t(PROVISIONING_LABEL),
                    "edit_provisioning_url",
                    autocomplete="off",
                    hint=t(PROVISIONING_HINT),
                    default_value=AgentEditState.provisioning_url,
                ),
                seconds_field(
                    AgentEditState,
                    "edit_forward_timeout_seconds",
                    AgentEditState.forward_timeout_seconds,
                ),
                rx.text(
                    rx.cond(
                        AgentEditState.has_token,
                        t("A token is set; it is never shown."),
                        t("No token is set."),
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                form_field(
                    AgentEditState,
                    t("New token"),
                    "edit_token",
                    input_type="password",
                    autocomplete="new-password",
                    hint=t(NEW_TOKEN_HINT),
                ),
                rx.flex(
                    rx.dialog.close(
                        rx.button(
                            t("Cancel"),
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            cursor="pointer",
                        )
                    ),
                    icon_submit("save", N_("Save agent"), AgentEditState),
                    justify="end",
                    spacing="3",
                ),
                direction="column",
                spacing="4",
            ),
            id=EDIT_FORM_ID,
            on_submit=AgentEditState.save,
            no_validate=True,
            width="100%",
        ),
    )


def render_page() -> rx.Component:
    """The agents, the outcome of the last change, and the registration form."""
    return console_page(
        SPEC,
        answer(chosen(AgentsState.outcome_error, OUTCOMES), "error"),
        answer(chosen(AgentsState.outcome, OUTCOMES, name=AgentsState.outcome_name), "success"),
        agents_table(),
        rx.card(
            rx.flex(
                section_title(
                    N_("Register an agent"),
                    N_(
                        "The gateway posts each customer's messages to the endpoint, with the "
                        "token as its bearer credential."
                    ),
                ),
                add_agent_form(),
                direction="column",
                spacing="4",
            ),
            size="3",
        ),
        edit_agent_dialog(),
    )


PAGE = SitePage(SPEC, render_page, on_load=(AgentsState.load,))
