"""`POST /api/demo-agent/bridge/inbound`: the built-in demo agent, served by the gateway.

It takes forwards as Coke's bridge does (the agent's bearer token, a JSON body) and answers with
`{"ok": true, "reply": ...}` (`demo_agent.replies.echo_reply`); `PUSH_DELAY_SECONDS` later it
pushes a second reply to `/api/outbound` with the outbound API key, as a runtime pushes its
later messages (tried `PUSH_ATTEMPTS` times; the key makes a repeat one delivery). When the
settings do not want the demo agent (`Settings.demo_agent_wanted`), the path is 404.
"""

import asyncio
import json
import logging
from typing import Literal

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import Session

from clawscale.api.deps import EngineDep, HttpClientDep, in_transaction
from clawscale.api.errors import ApiError
from clawscale.api.security import SettingsDep, bearer_token
from clawscale.crypto import constant_time_equal
from clawscale.domain.demo_agent.replies import echo_reply, pushed_reply
from clawscale.domain.demo_agent.setup import INBOUND_PATH, demo_agent
from clawscale.domain.runtime.agents import agent_token
from clawscale.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter()

PUSH_DELAY_SECONDS = 3.0
PUSH_ATTEMPTS = 3


class DemoAnswer(BaseModel):
    """The demo agent's immediate answer, as Coke's bridge answers."""

    ok: Literal[True] = True
    reply: str


def _demo_token(db: Session, settings: Settings) -> str:
    agent = demo_agent(db)
    return agent_token(settings, agent) if agent is not None else ""


async def _push_later(client: httpx.AsyncClient, settings: Settings, body: dict) -> None:
    await asyncio.sleep(PUSH_DELAY_SECONDS)
    url = f"{settings.CLAWSCALE_PUBLIC_API_URL.rstrip('/')}/api/outbound"
    headers = {"Authorization": f"Bearer {settings.CLAWSCALE_OUTBOUND_API_KEY}"}
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("demo agent: push %d failed: %s", attempt, type(error).__name__)
        else:
            if response.status_code < 500:
                return
            logger.warning("demo agent: push %d answered HTTP %d", attempt, response.status_code)
        await asyncio.sleep(PUSH_DELAY_SECONDS * attempt)


def _keep_running(request: Request, task: asyncio.Task[None]) -> None:
    """Hold a reference to the task until it ends (the loop keeps only weak ones)."""
    running: set[asyncio.Task[None]] = request.app.state.demo_pushes
    running.add(task)
    task.add_done_callback(running.discard)


@router.post(INBOUND_PATH)
async def demo_inbound(
    request: Request, engine: EngineDep, settings: SettingsDep, client: HttpClientDep
) -> DemoAnswer:
    """Echo the forwarded message and push a second reply a few seconds later."""
    if not settings.demo_agent_wanted:
        raise ApiError(404, "not_found")
    token = await in_transaction(engine, lambda db: _demo_token(db, settings))
    if not token or not constant_time_equal(token, bearer_token(request)):
        raise ApiError(401, "unauthorized")
    try:
        forward = json.loads(await request.body())
    except ValueError:
        forward = None
    if not isinstance(forward, dict):
        raise ApiError(400, "invalid_body", "The body is not a JSON object.")
    push = pushed_reply(forward)
    if push is not None:
        _keep_running(request, asyncio.create_task(_push_later(client, settings, push)))
    return DemoAnswer(reply=echo_reply(forward))
