"""`/admin/shared-channels`: the shared channels with their kind, agent, state, last activity and
last error, filtered by kind and state, a page at a time; and the form creating one, which asks
for the settings of the kind chosen (secrets write-only)."""

from collections.abc import Callable

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var

from clawscale.pages.admin.admins import section_title
from clawscale.pages.admin.channel_tables import channel_filters, channel_state_cells
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.pages.admin.widgets import (
    clamped,
    table_with_pager,
)
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, field_problem, form_field
from clawscale.state.admin.shared_channels import (
    CREATE_FORM_ID,
    DEFAULT_AGENT,
    KIND_LABELS,
    STATE_CHOICES,
    AgentChoice,
    KindField,
    SharedChannelRow,
    SharedChannelsState,
    kind_fields,
    kind_schemas,
)
from clawscale.state.form import FormState

SPEC = PageSpec(
    "/admin/shared-channels",
    "Shared channels",
    "Connect WhatsApp, WeChat, iMessage/SMS and Telegram channels shared by an agent.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Channel", "name"),
    Sortable("Kind", "kind"),
    "Agent",
    Sortable("State", "state"),
    Sortable("Last activity (UTC)", "last_activity"),
    "Last error",
)
SECRET_HINT = "Write-only: stored encrypted and never shown again."
KEEP_HINT = "Leave blank to keep the current value."
BASE_URL_HINT = "Leave blank to use the gateway's default for this kind."

FieldDefault = Callable[[KindField], Var[str] | str]


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
        rx.table.cell(rx.text(row.kind, size="2"), min_width="8rem"),
        rx.table.cell(clamped(row.agent, size="2"), min_width="7rem", max_width="12rem"),
        *channel_state_cells(row),
        align="center",
        data_channel=row.id,
    )


def filters() -> rx.Component:
    """Kind and state, each applied at once."""
    return channel_filters(
        "Filter shared channels",
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
                    "Shared channels",
                    COLUMNS,
                    rx.foreach(SharedChannelsState.rows, channel_row),
                    SharedChannelsState,
                ),
                pager(SharedChannelsState, "shared channels"),
            ),
            empty_state(
                "share-2",
                "No shared channels here",
                "Create one below: choose its kind, enter the provider's settings, then open "
                "it to paste its webhook URL into the provider and connect it. If you chose a "
                "kind or state above, clear the filters to see every shared channel.",
            ),
        ),
        loading_rows("shared channels"),
    )


def create_form() -> rx.Component:
    """The new channel's kind, name and agent, then the settings its kind needs."""
    state = SharedChannelsState
    return rx.el.form(
        rx.flex(
            answer(state.form_error, "error"),
            answer(state.notice, "success"),
            rx.grid(
                choice_field(
                    "Channel kind",
                    "field-kind",
                    state.new_kind,
                    state.choose_kind,
                    [rx.select.item(words, value=kind) for kind, words in KIND_LABELS.items()],
                    state,
                    "kind",
                ),
                form_field(state, "Name", "name", autocomplete="off", hint="e.g. Support line"),
                agent_field(state, state.new_agent, state.choose_agent, state.agents),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            kind_inputs(state, state.new_kind, blank, SECRET_HINT),
            rx.flex(
                rx.button(
                    rx.icon("plus", size=16),
                    "Create shared channel",
                    type="submit",
                    loading=state.submitting,
                    cursor="pointer",
                )
            ),
            direction="column",
            spacing="4",
        ),
        id=CREATE_FORM_ID,
        on_submit=state.create,
        no_validate=True,
        width="100%",
    )


def shared_channels_page() -> rx.Component:
    """The filters, the table, and the create form."""
    return console_page(
        SPEC,
        filters(),
        channels_table(),
        rx.card(
            rx.flex(
                section_title(
                    "Create a shared channel",
                    "It starts disconnected: nothing reaches the agent until you connect it "
                    "from its page.",
                ),
                create_form(),
                direction="column",
                spacing="4",
            ),
            size="3",
        ),
    )


PAGE = SitePage(SPEC, shared_channels_page, on_load=(SharedChannelsState.load,))
