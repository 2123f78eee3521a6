"""The shared-channel form both shared-channel pages use: a kind's config and secret fields in
words, the agent choice, the form's problems, and reading the submitted values back (blank
secrets keep theirs).

Kinds, settings, hints and problems are English message ids (marked with `N_`), shown in the
page's language; a State keeps the ids and the page translates them."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var
from sqlmodel import Session

from clawscale.channels.registry import build_shared_adapters
from clawscale.channels.web_chat.adapter import ALLOWED_ORIGINS
from clawscale.channels.web_chat.adapter import KIND as WEB_CHAT
from clawscale.channels.webhooks import BASE_URL, KindSchema
from clawscale.components.admin.tables import Text
from clawscale.components.forms import field_problem, form_field
from clawscale.components.translated import chosen, shown, t
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelView,
)
from clawscale.domain.runtime.agent_fields import name_problem
from clawscale.domain.runtime.agents import list_agents
from clawscale.i18n.catalogs import N_
from clawscale.settings import get_settings
from clawscale.state.form import FormState, field_value

DEFAULT_AGENT = "default"


CONFIG = "config"


SECRETS = "secrets"


def field_label(name: str) -> str:
    """A config or secret name in words (an English message id; a name the table does not know
    as it is)."""
    return FIELD_LABELS.get(name, name)


def field_text(label: Var[str]) -> Var[str]:
    """A row's `field_label` in the page's language."""
    return chosen(label, FIELD_LABELS.values())


@dataclass(frozen=True)
class KindField:
    """One setting a kind's form asks for: its input name (`config.<name>` or
    `secrets.<name>`), its name in the kind's schema, words (an English message id), whether it
    is secret and whether it is required."""

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
    """The domain's issues keyed by the form's input names (`agent_id` is the agent choice);
    each message one of `ISSUE_MESSAGES` the page translates."""
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
    """Who serves the channel: its agent's name, "" for the default agent."""
    return view.agent.name if view.agent else ""


def agent_text(agent: Var[str]) -> Var[str]:
    """A row's `agent_words` in the page's language."""
    return rx.cond(agent != "", agent, t(DEFAULT_AGENT_WORDS)).to(str)


def channel_name_problem(name: str) -> str:
    """What is wrong with a channel's name (the rule of agents' names), as `NAME_PROBLEM`."""
    return NAME_PROBLEM if name_problem(name) else ""


DEFAULT_AGENT_WORDS = N_("Default agent")
KEEP_HINT = N_("Leave blank to keep the current value.")
NAME_PROBLEM = N_("Enter a name of up to 200 characters.")
"""`domain.runtime.agent_fields.name_problem`'s words (its `MAX_NAME_LENGTH` is 200)."""
SETTINGS_PROBLEM = N_("Some settings are missing or wrong: see the fields below.")
ISSUE_MESSAGES: tuple[str, ...] = (
    N_("Required."),
    N_("Too long."),
    N_("Unknown field for this kind."),
    N_("Must be an http(s) URL."),
    N_("No such agent."),
)
"""The words of the issues `domain.channels.shared` finds in a channel's settings."""
FORM_MESSAGES: tuple[str, ...] = (NAME_PROBLEM, SETTINGS_PROBLEM, *ISSUE_MESSAGES)
"""Every problem the form's fields and `issue_problems` may show."""


def agent_field(
    state: type[FormState], value: Var[str], on_change: EventHandler, agents: Var[list[AgentChoice]]
) -> rx.Component:
    """Which agent serves the channel: the default agent, or one by name."""
    return choice_field(
        N_("Agent"),
        "field-agent",
        value,
        on_change,
        [
            rx.select.item(t(DEFAULT_AGENT_WORDS), value=DEFAULT_AGENT),
            rx.foreach(agents, lambda agent: rx.select.item(agent.name, value=agent.id)),
        ],
        state,
        "agent",
    )


FieldDefault = Callable[[KindField], Var[str] | str]


def kind_inputs(
    state: type[FormState], kind: Var[str], default: FieldDefault, secret_hint: Text
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
    "whatsapp_evolution": N_("WhatsApp (Evolution API)"),
    "wechat_ecloud": N_("WeChat (GeWe / eCloud)"),
    "linq": N_("iMessage / SMS (Linq)"),
    "telegram": N_("Telegram"),
    "whatsapp_business": N_("WhatsApp Business (Cloud API)"),
    WEB_CHAT: N_("Web chat"),
}
"""The shared kinds in words (English message ids)."""


FIELD_LABELS: dict[str, str] = {
    BASE_URL: N_("API base URL"),
    "instance": N_("Instance name"),
    "api_key": N_("API key"),
    "app_id": N_("App ID"),
    "gewe_token": N_("GeWe token"),
    "from_number": N_("Sending number"),
    "bot_token": N_("Bot token"),
    "phone_number_id": N_("Phone number ID"),
    "waba_id": N_("WhatsApp Business account ID"),
    "access_token": N_("Access token"),
    "app_secret": N_("App secret"),
    "verify_token": N_("Verify token"),
    "webhook_token": N_("Webhook path token"),
    "signing_secret": N_("Signing secret"),
    "secret_token": N_("Webhook secret token"),
    "subscription_id": N_("Subscription ID"),
    ALLOWED_ORIGINS: N_("Allowed sites"),
}
"""The settings of the kinds in words (English message ids)."""


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
    label: Text,
    field_id: str,
    value: Var[str],
    on_change: EventHandler,
    items: list[rx.Component],
    state: type[FormState],
    problem_name: str,
) -> rx.Component:
    """A labelled choice of a form, with the problem `state` found under it."""
    problem = field_problem(state, problem_name)
    words = shown(label)
    return rx.flex(
        rx.text(rx.el.label(words, html_for=field_id), as_child=True, size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(id=field_id, aria_label=words, width="100%"),
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


def setting_label(setting: KindField) -> Var[str]:
    """A setting's words in the page's language, "(optional)" after one not required."""
    words = t(setting.label)
    return words if setting.required else t("{setting} (optional)", setting=words)


def kind_input(
    state: type[FormState], setting: KindField, default: FieldDefault, secret_hint: Text
) -> rx.Component:
    """One setting of a kind: text for config, a write-only password field for a secret."""
    label = setting_label(setting)
    if setting.secret:
        return form_field(
            state,
            label,
            setting.input_name,
            input_type="password",
            autocomplete="new-password",
            hint=shown(secret_hint),
        )
    return form_field(
        state,
        label,
        setting.input_name,
        autocomplete="off",
        hint=t(FIELD_HINTS[setting.key]) if setting.key in FIELD_HINTS else None,
        default_value=default(setting),
    )


def _fields(part: str, required: tuple[str, ...], optional: tuple[str, ...]) -> list[KindField]:
    return [
        KindField(
            f"{part}.{name}",
            name,
            field_label(name),
            part == SECRETS,
            name in required,
        )
        for name in (*required, *optional)
    ]


FIELD_HINTS: dict[str, str] = {
    BASE_URL: N_("Leave blank to use the gateway's default for this kind."),
    ALLOWED_ORIGINS: N_(
        "The sites that may show this chat, such as https://shop.example, separated by spaces "
        "or commas. Leave blank to allow only the chat's own page."
    ),
}
"""What a setting's field says under it (English message ids)."""
