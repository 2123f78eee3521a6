"""`/admin/agents`: the agent runtimes by name, a page at a time; registering one (its token
is write-only: sent, encrypted, never shown again), editing one (a blank token keeps the current
one) and making one the default. Each is audited in the same transaction as the change.

An agent may name a provisioning URL (where new customers are announced before their first
message); left empty, the runtime needs none. Its reply wait is how long a forward waits for the
runtime's answer."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.errors import Conflict, DomainError
from clawscale.domain.runtime.agent_fields import (
    name_problem,
    reply_wait_problem,
    slug_problem,
    url_problem,
)
from clawscale.domain.runtime.agents import AgentChanges, edit_agent, list_agents, register_agent
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
        table_time(agent.updated_at),
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
    """The agent being edited in the dialog: its name, endpoint, provisioning URL ("" for none)
    and reply wait as they were when the dialog opened (the token is never here: the field
    starts blank, and blank keeps it)."""

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
        except DomainError as error:
            self._fail(error.message or error.code)
            return
        self._done()
        self.editing = False
        yield AgentsState.edited(saved)
