"""`/api/admin/agents`: agent runtimes for operators — list, create, edit; tokens write-only."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clawscale.api.deps import SessionDep
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.security import CurrentAdmin, SettingsDep, current_admin
from clawscale.api.validators import absolute_http_url
from clawscale.domain.agents import AgentChanges, edit_agent, list_agents, register_agent
from clawscale.models import Agent

router = APIRouter(prefix="/api/admin/agents", dependencies=[Depends(current_admin)])

Endpoint = Annotated[str, Field(max_length=2048), AfterValidator(absolute_http_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Token = Annotated[str, Field(max_length=4096)]


class AgentCreate(BaseModel):
    """A new agent runtime."""

    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: Name
    endpoint: Endpoint
    token: Token = ""
    is_default: bool = False


class AgentUpdate(BaseModel):
    """Changes to an agent; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    endpoint: Endpoint | None = None
    token: Token | None = None
    is_default: bool | None = None


class AgentPublic(BaseModel):
    """An agent as operators see it: the token only as `has_token`."""

    id: str
    slug: str
    name: str
    endpoint: str
    is_default: bool
    has_token: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, agent: Agent) -> "AgentPublic":
        """The public view of a stored agent."""
        return cls(
            **agent.model_dump(exclude={"token_encrypted"}), has_token=bool(agent.token_encrypted)
        )


def _answer(agent: Agent) -> dict[str, object]:
    return {"ok": True, "data": {"agent": AgentPublic.of(agent).model_dump(mode="json")}}


@router.get("", dependencies=[Depends(reject_unknown_query())])
def agents(db: SessionDep, page: PageDep) -> dict[str, object]:
    """A page of agents by name."""
    rows, total = list_agents(db, page.limit, page.offset)
    items = [AgentPublic.of(agent).model_dump(mode="json") for agent in rows]
    return {"ok": True, "data": page.envelope(items, total)}


@router.post("", status_code=201)
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
    )
    return _answer(agent)


@router.patch("/{agent_id}")
def edit(
    agent_id: str, body: AgentUpdate, db: SessionDep, settings: SettingsDep, principal: CurrentAdmin
) -> dict[str, object]:
    """Change an agent (404 `agent_not_found`); a new token replaces the old one unseen."""
    changes = AgentChanges(**body.model_dump(exclude_unset=True))
    return _answer(edit_agent(db, settings, principal.admin.id, agent_id, changes))
