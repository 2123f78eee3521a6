"""`/api/admin/agents`: agent runtimes for operators — list, create, edit; tokens write-only."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Listing, Ok
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.security import CurrentAdmin, SettingsDep, current_admin
from clawscale.api.validators import follows
from clawscale.domain.runtime.agent_fields import (
    MAX_NAME_LENGTH,
    MAX_SLUG_LENGTH,
    MAX_URL_LENGTH,
    name_problem,
    reply_wait_problem,
    slug_problem,
    url_problem,
)
from clawscale.domain.runtime.agents import AgentChanges, edit_agent, list_agents, register_agent
from clawscale.models import Agent
from clawscale.models.agents import (
    DEFAULT_FORWARD_TIMEOUT_SECONDS,
)

router = APIRouter(prefix="/api/admin/agents", dependencies=[Depends(current_admin)])


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


Slug = Annotated[str, Field(max_length=MAX_SLUG_LENGTH), follows(slug_problem)]
Endpoint = Annotated[str, Field(max_length=MAX_URL_LENGTH), follows(url_problem)]
Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH), follows(name_problem)]
Token = Annotated[str, Field(max_length=4096)]
ProvisioningUrl = Annotated[Endpoint | None, BeforeValidator(_blank_is_none)]
"""Where new customers are announced; null or "" means the runtime needs no provisioning."""
ForwardTimeout = Annotated[int, follows(reply_wait_problem)]


class AgentCreate(BaseModel):
    """A new agent runtime."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    endpoint: Endpoint
    token: Token = ""
    is_default: bool = False
    provisioning_url: ProvisioningUrl = None
    forward_timeout_seconds: ForwardTimeout = DEFAULT_FORWARD_TIMEOUT_SECONDS


class AgentUpdate(BaseModel):
    """Changes to an agent; omitted fields stay as they are (an explicit null or ""
    `provisioning_url` switches the agent to needing no provisioning)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    endpoint: Endpoint | None = None
    token: Token | None = None
    is_default: bool | None = None
    provisioning_url: ProvisioningUrl = None
    forward_timeout_seconds: ForwardTimeout | None = None

    def changes(self) -> AgentChanges:
        """The domain's changes: only the fields sent, a sent-but-empty provisioning URL as
        "" (the domain's "none")."""
        fields = self.model_dump(exclude_unset=True)
        if "provisioning_url" in self.model_fields_set:
            fields["provisioning_url"] = self.provisioning_url or ""
        return AgentChanges(**fields)


class AgentPublic(BaseModel):
    """An agent as operators see it: the token only as `has_token`; `provisioning_mode` is
    "url" when new customers are announced to `provisioning_url`, else "none"."""

    id: str
    slug: str
    name: str
    endpoint: str
    provisioning_url: str | None
    provisioning_mode: Literal["url", "none"]
    forward_timeout_seconds: int
    is_default: bool
    has_token: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, agent: Agent) -> "AgentPublic":
        """The public view of a stored agent."""
        return cls(
            **agent.model_dump(exclude={"token_encrypted"}),
            provisioning_mode="url" if agent.provisioning_url else "none",
            has_token=bool(agent.token_encrypted),
        )


class AgentAnswer(BaseModel):
    """One agent."""

    agent: AgentPublic


def _answer(agent: Agent) -> dict[str, object]:
    return {"ok": True, "data": {"agent": AgentPublic.of(agent)}}


@router.get(
    "",
    dependencies=[Depends(reject_unknown_query())],
    response_model=Ok[Listing[AgentPublic]],
)
def agents(db: SessionDep, page: PageDep) -> dict[str, object]:
    """A page of agents by name."""
    rows, total = list_agents(db, page.limit, page.offset)
    return {"ok": True, "data": page.envelope([AgentPublic.of(agent) for agent in rows], total)}


@router.post("", status_code=201, response_model=Ok[AgentAnswer])
def create(
    body: AgentCreate, db: SessionDep, settings: SettingsDep, principal: CurrentAdmin
) -> dict[str, object]:
    """Register an agent runtime (409 `agent_slug_taken`)."""
    agent = register_agent(
        db,
        settings,
        principal.admin.id,
        body.slug,
        body.name,
        body.endpoint,
        body.token,
        body.is_default,
        provisioning_url=body.provisioning_url,
        forward_timeout_seconds=body.forward_timeout_seconds,
    )
    return _answer(agent)


@router.patch("/{agent_id}", response_model=Ok[AgentAnswer])
def edit(
    agent_id: str, body: AgentUpdate, db: SessionDep, settings: SettingsDep, principal: CurrentAdmin
) -> dict[str, object]:
    """Change an agent (404 `agent_not_found`); a new token replaces the old one unseen."""
    return _answer(edit_agent(db, settings, principal.admin.id, agent_id, body.changes()))
