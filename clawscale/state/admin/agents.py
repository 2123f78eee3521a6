"""`/admin/agents`: the agent runtimes by name, a page at a time; registering one (its token
is write-only: sent, encrypted, never shown again) and making one the default. Both are
audited in the same transaction as the change."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.agents import AgentChanges, list_agents, register_agent, update_agent
from clawscale.domain.audit import record_admin_action
from clawscale.domain.errors import Conflict, DomainError
from clawscale.models import AdminAccount, Agent
from clawscale.settings import Settings
from clawscale.state.admin.admins import reset_form
from clawscale.state.admin.display import table_time
from clawscale.state.admin.pagination import PAGE_SIZE, PaginationState, page_offset
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value

ADD_FORM_ID = "add-agent-form"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
AUDIT_TARGET = "agent"


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


def agents_page(db: Session, offset: int) -> tuple[list[AgentRow], int, int]:
    """The rows of the page at `offset`, where it starts, and how many agents there are."""
    agents, total = list_agents(db, PAGE_SIZE, offset)
    start = page_offset(offset, total)
    if start != offset:
        agents, total = list_agents(db, PAGE_SIZE, start)
    return [agent_row(agent) for agent in agents], start, total


def agent_problems(slug: str, name: str, endpoint: str) -> dict[str, str]:
    """What is wrong with a new agent's fields ("" when a field is fine)."""
    parsed = urlparse(endpoint)
    return {
        "slug": ""
        if SLUG.match(slug) and len(slug) <= 80
        else "Use lowercase letters, digits, - and _ (starting with a letter or digit).",
        "name": "" if 0 < len(name) <= 200 else "Enter a name of up to 200 characters.",
        "endpoint": ""
        if parsed.scheme in ("http", "https") and parsed.netloc and len(endpoint) <= 2048
        else "Enter an absolute http(s) URL, like https://agent.example.com/inbound.",
    }


def add_agent(
    db: Session,
    settings: Settings,
    admin: AdminAccount,
    fields: tuple[str, str, str, str],
    is_default: bool,
) -> str:
    """Register the agent and audit it; its name."""
    slug, name, endpoint, token = fields
    agent = register_agent(db, settings, slug, name, endpoint, token, is_default)
    record_admin_action(db, admin.id, "agent.create", AUDIT_TARGET, agent.id, {"slug": slug})
    return agent.name


def make_default(db: Session, settings: Settings, admin: AdminAccount, agent_id: str) -> str:
    """Make the agent the default and audit it; its name."""
    agent = update_agent(db, settings, agent_id, AgentChanges(is_default=True))
    record_admin_action(
        db, admin.id, "agent.update", AUDIT_TARGET, agent.id, {"fields": ["is_default"]}
    )
    return agent.name


class AgentsState(FormState, PaginationState, AdminSessionState):
    """The page of agents, the registration form, and the last outcome."""

    rows: list[AgentRow] = rx.field(default_factory=list)
    loaded: bool = False
    outcome: str = ""
    outcome_error: str = ""

    async def _load_page(self) -> EventSpec | None:
        offset = self.offset
        try:
            rows, start, total = await self._as_admin(
                lambda db, _settings, _me: agents_page(db, offset)
            )
        except AdminSignedOut:
            return self._signed_out()
        self.rows = rows
        self._show_page(start, len(rows), total)
        self.loaded = True
        return None

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the first page and a fresh form."""
        self._clear_form()
        self.outcome = self.outcome_error = ""
        if not await self._refresh_session():
            return self._signed_out()
        self.offset = 0
        return await self._load_page()

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
        try:
            name = await self._as_admin(
                lambda db, settings, me: make_default(db, settings, me, agent_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        except DomainError as error:
            self.outcome_error = error.message or error.code
        else:
            self.outcome = f"{name} is now the default agent for new customers."
        return await self._load_page()
