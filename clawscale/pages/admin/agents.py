"""`/admin/agents`: the agent runtimes, registering and editing one (token write-only; an
optional provisioning URL; the reply wait), and choosing the default agent for new customers."""

import reflex as rx
from reflex.vars import Var

from clawscale.models.agents import (
    DEFAULT_FORWARD_TIMEOUT_SECONDS,
    MAX_FORWARD_TIMEOUT_SECONDS,
    MIN_FORWARD_TIMEOUT_SECONDS,
)
from clawscale.pages.admin.admins import section_title
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    state_badge,
)
from clawscale.pages.admin.widgets import clamped, detail_dialog, row_button, table_with_pager
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, form_field
from clawscale.state.admin.agents import (
    ADD_FORM_ID,
    EDIT_FORM_ID,
    AgentEditState,
    AgentRow,
    AgentsState,
)
from clawscale.state.form import FormState

SPEC = PageSpec(
    "/admin/agents",
    "Agents",
    "Register agent runtimes, their endpoints and tokens, and choose the default agent.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Agent", "name"),
    Sortable("Endpoint", "endpoint"),
    "Provisioning",
    "Token",
    "Default",
    Sortable("Updated (UTC)", "updated"),
    "",
)
TOKEN_HINT = "Write-only: stored encrypted and never shown again."
PROVISIONING_HINT = (
    "Where new customers are announced before their first message. Leave empty when the "
    "runtime needs no provisioning (Coke's bridge needs none)."
)
REPLY_WAIT_HINT = (
    f"How long a message waits for the runtime's answer: {MIN_FORWARD_TIMEOUT_SECONDS} to "
    f"{MAX_FORWARD_TIMEOUT_SECONDS} seconds."
)
PROVISIONING_LABEL = "Provisioning URL"
REPLY_WAIT_LABEL = "Reply wait (seconds)"


def seconds_field(state: type[FormState], name: str, default_value: int | Var[int]) -> rx.Component:
    """The labelled reply-wait number input named `name`, with its hint and the problem `state`
    found."""
    return form_field(
        state,
        REPLY_WAIT_LABEL,
        name,
        input_type="number",
        autocomplete="off",
        hint=REPLY_WAIT_HINT,
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
            rx.box(state_badge("none", "gray")),
        ),
        rx.text(
            "Reply wait " + row.forward_timeout_seconds.to_string() + " s",
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
        state_badge("Default", "indigo"),
        row_button(
            "Make default", "star", AgentsState.set_default(row.id), "Make " + row.name + " default"
        ),
    )


def agent_row(row: Var[AgentRow]) -> rx.Component:
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
            rx.cond(row.has_token, state_badge("Configured", "green"), state_badge("None", "gray"))
        ),
        rx.table.cell(default_cell(row)),
        rx.table.cell(row.updated, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(
            row_button(
                "Edit",
                "pencil",
                AgentEditState.start(
                    row.id,
                    row.name,
                    row.endpoint,
                    row.provisioning_url,
                    row.forward_timeout_seconds,
                    row.has_token,
                ),
                "Edit " + row.name,
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
                data_table("Agents", COLUMNS, rx.foreach(AgentsState.rows, agent_row), AgentsState),
                pager(AgentsState, "agents"),
            ),
            empty_state(
                "bot",
                "No agent registered",
                "Register the first agent runtime below and make it the default: new "
                "customers are bound to the default agent.",
            ),
        ),
        loading_rows("agents"),
    )


def add_agent_form() -> rx.Component:
    """The new agent's slug, name, endpoint, token, provisioning URL (optional), reply wait,
    and whether it becomes the default."""
    return rx.el.form(
        rx.flex(
            answer(AgentsState.form_error, "error"),
            answer(AgentsState.notice, "success"),
            rx.grid(
                form_field(
                    AgentsState, "Slug", "slug", autocomplete="off", hint="e.g. support-bot"
                ),
                form_field(AgentsState, "Name", "name", autocomplete="off"),
                form_field(AgentsState, "Endpoint", "endpoint", autocomplete="off"),
                form_field(
                    AgentsState,
                    "Token",
                    "token",
                    input_type="password",
                    autocomplete="new-password",
                    hint=TOKEN_HINT,
                ),
                form_field(
                    AgentsState,
                    PROVISIONING_LABEL,
                    "provisioning_url",
                    autocomplete="off",
                    hint=PROVISIONING_HINT,
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
                    rx.el.label("Make it the default agent", html_for="agent-is-default"),
                    spacing="2",
                    align="center",
                ),
                as_="div",
                size="2",
            ),
            rx.flex(
                rx.button(
                    rx.icon("plus", size=16),
                    "Register agent",
                    type="submit",
                    loading=AgentsState.submitting,
                    cursor="pointer",
                )
            ),
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
        "Edit " + AgentEditState.name,
        AgentEditState.editing,
        AgentEditState.set_editing,
        rx.el.form(
            rx.flex(
                answer(AgentEditState.form_error, "error"),
                form_field(
                    AgentEditState,
                    "Name",
                    "edit_name",
                    autocomplete="off",
                    default_value=AgentEditState.name,
                ),
                form_field(
                    AgentEditState,
                    "Endpoint",
                    "edit_endpoint",
                    autocomplete="off",
                    default_value=AgentEditState.endpoint,
                ),
                form_field(
                    AgentEditState,
                    PROVISIONING_LABEL,
                    "edit_provisioning_url",
                    autocomplete="off",
                    hint=PROVISIONING_HINT,
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
                        "A token is set; it is never shown.",
                        "No token is set.",
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                form_field(
                    AgentEditState,
                    "New token",
                    "edit_token",
                    input_type="password",
                    autocomplete="new-password",
                    hint="Leave blank to keep the current token. " + TOKEN_HINT,
                ),
                rx.flex(
                    rx.dialog.close(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            cursor="pointer",
                        )
                    ),
                    rx.button(
                        rx.icon("save", size=16),
                        "Save agent",
                        type="submit",
                        loading=AgentEditState.submitting,
                        cursor="pointer",
                    ),
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


def agents_page() -> rx.Component:
    """The agents, the outcome of the last change, and the registration form."""
    return console_page(
        SPEC,
        answer(AgentsState.outcome_error, "error"),
        answer(AgentsState.outcome, "success"),
        agents_table(),
        rx.card(
            rx.flex(
                section_title(
                    "Register an agent",
                    "The gateway posts each customer's messages to the endpoint, with the "
                    "token as its bearer credential.",
                ),
                add_agent_form(),
                direction="column",
                spacing="4",
            ),
            size="3",
        ),
        edit_agent_dialog(),
    )


PAGE = SitePage(SPEC, agents_page, on_load=(AgentsState.load,))
