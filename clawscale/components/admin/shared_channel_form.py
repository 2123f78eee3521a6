"""The shared-channel form both shared-channel pages use: a kind's config and secret fields in
words, the agent choice, and reading the submitted values back (blank secrets keep theirs)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var
from sqlmodel import Session

from clawscale.channels.registry import build_shared_adapters
from clawscale.channels.webhooks import BASE_URL, KindSchema
from clawscale.components.forms import field_problem, form_field
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelView,
)
from clawscale.domain.runtime.agents import list_agents
from clawscale.settings import get_settings
from clawscale.state.form import FormState, field_value

DEFAULT_AGENT = "default"


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


KEEP_HINT = "Leave blank to keep the current value."


def agent_field(
    state: type[FormState], value: Var[str], on_change: EventHandler, agents: Var[list[AgentChoice]]
) -> rx.Component:
    """Which agent serves the channel: the default agent, or one by name."""
    return choice_field(
        "Agent",
        "field-agent",
        value,
        on_change,
        [
            rx.select.item("Default agent", value=DEFAULT_AGENT),
            rx.foreach(agents, lambda agent: rx.select.item(agent.name, value=agent.id)),
        ],
        state,
        "agent",
    )


FieldDefault = Callable[[KindField], Var[str] | str]


def kind_inputs(
    state: type[FormState], kind: Var[str], default: FieldDefault, secret_hint: str
) -> rx.Component:
    """The settings of the kind `kind` holds (only that kind's inputs are in the form)."""
    cases = [
        (
            name,
            rx.grid(
                *(
                    kind_input(state, setting, default, secret_hint)
                    for setting in kind_fields(schema)
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
        )
        for name, schema in kind_schemas().items()
    ]
    return rx.match(kind, *cases, rx.fragment())


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


def kind_fields(schema: KindSchema) -> list[KindField]:
    """What an admin sets for a kind: its config, then its secrets (managed values left out)."""
    return _fields(CONFIG, schema.required_config, schema.optional_config) + _fields(
        SECRETS, schema.required_secrets, schema.optional_secrets
    )


@cache
def kind_schemas() -> dict[str, KindSchema]:
    """Every shared kind's schema, by kind (they do not depend on the settings' values)."""
    return {kind: adapter.schema for kind, adapter in build_shared_adapters(get_settings()).items()}


def choice_field(
    label: str,
    field_id: str,
    value: Var[str],
    on_change: EventHandler,
    items: list[rx.Component],
    state: type[FormState],
    problem_name: str,
) -> rx.Component:
    """A labelled choice of a form, with the problem `state` found under it."""
    problem = field_problem(state, problem_name)
    return rx.flex(
        rx.text(rx.el.label(label, html_for=field_id), as_child=True, size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(id=field_id, aria_label=label, width="100%"),
            rx.select.content(*items),
            value=value,
            on_change=on_change,
            size="3",
        ),
        rx.text(
            problem,
            size="2",
            color_scheme="red",
            display=rx.cond(problem != "", "block", "none"),
        ),
        direction="column",
        spacing="1",
    )


def kind_input(
    state: type[FormState], setting: KindField, default: FieldDefault, secret_hint: str
) -> rx.Component:
    """One setting of a kind: text for config, a write-only password field for a secret."""
    if setting.secret:
        return form_field(
            state,
            setting.label,
            setting.input_name,
            input_type="password",
            autocomplete="new-password",
            hint=secret_hint,
        )
    return form_field(
        state,
        setting.label,
        setting.input_name,
        autocomplete="off",
        hint=BASE_URL_HINT if setting.key == "base_url" else "",
        default_value=default(setting),
    )


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


BASE_URL_HINT = "Leave blank to use the gateway's default for this kind."
