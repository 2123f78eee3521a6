"""`/admin/agents`: the agent runtimes by name, a page at a time; registering one (its token
is write-only: sent, encrypted, never shown again), editing one (a blank token keeps the current
one) and making one the default. Each is audited in the same transaction as the change."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.agents import AgentChanges, edit_agent, list_agents, register_agent
from clawscale.domain.errors import Conflict, DomainError
from clawscale.domain.sorting import Sort
from clawscale.models import AdminAccount, Agent
from clawscale.settings import Settings
from clawscale.state.admin.admins import reset_form
from clawscale.state.admin.display import table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value

ADD_FORM_ID = "add-agent-form"
EDIT_FORM_ID = "edit-agent-form"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class AgentRow:
    """One agent as the table shows it (never its token)."""

    id: str
    slug: str
    name: str
    endpoint: str
    has_token: bool
    is_default: bool
    updated: str


def agent_row(agent: Agent) -> AgentRow:
    """An agent in words."""
    return AgentRow(
        agent.id,
        agent.slug,
        agent.name,
        agent.endpoint,
        bool(agent.token_encrypted),
        agent.is_default,
        table_time(agent.updated_at),
    )


def agents_page(db: Session, offset: int, sort: Sort) -> TablePage[AgentRow]:
    """The page of agents at `offset` (snapped to a page that exists) in `sort` order."""
    agents, total = list_agents(db, PAGE_SIZE, offset, sort)
    start = page_offset(offset, total)
    if start != offset:
        agents, total = list_agents(db, PAGE_SIZE, start, sort)
    return TablePage([agent_row(agent) for agent in agents], start, total)


def name_problem(name: str) -> str:
    """What is wrong with an agent's name ("" when it is fine)."""
    return "" if 0 < len(name) <= 200 else "Enter a name of up to 200 characters."


def endpoint_problem(endpoint: str) -> str:
    """What is wrong with an agent's endpoint ("" when it is fine)."""
    parsed = urlparse(endpoint)
    if parsed.scheme in ("http", "https") and parsed.netloc and len(endpoint) <= 2048:
        return ""
    return "Enter an absolute http(s) URL, like https://agent.example.com/inbound."


def agent_problems(slug: str, name: str, endpoint: str) -> dict[str, str]:
    """What is wrong with a new agent's fields ("" when a field is fine)."""
    return {
        "slug": ""
        if SLUG.match(slug) and len(slug) <= 80
        else "Use lowercase letters, digits, - and _ (starting with a letter or digit).",
        "name": name_problem(name),
        "endpoint": endpoint_problem(endpoint),
    }


def add_agent(
    db: Session,
    settings: Settings,
    admin: AdminAccount,
    fields: tuple[str, str, str, str],
    is_default: bool,
) -> str:
    """Register the agent (audited); its name."""
    slug, name, endpoint, token = fields
    return register_agent(db, settings, admin.id, slug, name, endpoint, token, is_default).name


def change_agent(
    db: Session, settings: Settings, admin: AdminAccount, agent_id: str, changes: AgentChanges
) -> str:
    """Apply the changes to the agent (audited); its name."""
    return edit_agent(db, settings, admin.id, agent_id, changes).name


class AgentsState(FormState, SortedPaginationState, AdminSessionState):
    """The page of agents, the registration form, and the last outcome."""

    rows: list[AgentRow] = rx.field(default_factory=list)
    loaded: bool = False
    outcome: str = ""
    outcome_error: str = ""

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
        token = field_value(form_data, "token")
        is_default = field_value(form_data, "is_default") == "on"
        if self._rejected(agent_problems(slug, name, endpoint)):
            return
        yield None
        fields = (slug, name, endpoint, token)
        try:
            added = await self._as_admin(
                lambda db, settings, me: add_agent(db, settings, me, fields, is_default)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except Conflict as error:
            if error.code == "agent_slug_taken":
                self._rejected({"slug": "Another agent already uses this slug."})
            else:
                self._fail(error.message or error.code)
            return
        self._done(f"Registered {added}.")
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
        except DomainError as error:
            self.outcome_error = error.message or error.code
        else:
            self.outcome = f"{name} is now the default agent for new customers."
        return await self._load_page()

    @rx.event
    async def edited(self, name: str) -> EventSpec | None:
        """After an edit: say so, and show the page again as it now is."""
        self._clear_form()
        self.outcome_error = ""
        self.outcome = f"Saved {name}."
        return await self._load_page()


class AgentEditState(FormState, AdminSessionState):
    """The agent being edited in the dialog: its name and endpoint as they were when the
    dialog opened (the token is never here: the field starts blank, and blank keeps it)."""

    editing: bool = False
    agent_id: str = ""
    name: str = ""
    endpoint: str = ""
    has_token: bool = False

    @rx.event
    def start(self, agent_id: str, name: str, endpoint: str, has_token: bool) -> None:
        """Open the dialog for this agent."""
        self._clear_form()
        self.agent_id, self.name, self.endpoint = agent_id, name, endpoint
        self.has_token = has_token
        self.editing = True

    @rx.event
    def set_editing(self, editing: bool) -> None:
        """Open or close the dialog (Escape, Cancel or an outside click close it)."""
        self.editing = editing

    @rx.event
    async def save(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check and save the agent's new name, endpoint and (when given) token."""
        self._begin_submit()
        name = field_value(form_data, "edit_name").strip()
        endpoint = field_value(form_data, "edit_endpoint").strip()
        token = field_value(form_data, "edit_token")
        problems = {"edit_name": name_problem(name), "edit_endpoint": endpoint_problem(endpoint)}
        if self._rejected(problems):
            return
        yield None
        changes = AgentChanges(name=name, endpoint=endpoint, token=token or None)
        agent_id = self.agent_id
        try:
            saved = await self._as_admin(
                lambda db, settings, me: change_agent(db, settings, me, agent_id, changes)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except DomainError as error:
            self._fail(error.message or error.code)
            return
        self._done()
        self.editing = False
        yield AgentsState.edited(saved)
