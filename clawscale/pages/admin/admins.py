"""`/admin/admins`: every admin account a page at a time, adding one, and removing one after a
confirmation."""

import reflex as rx
from reflex.vars import Var

from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    state_badge,
)
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, form_field
from clawscale.state.admin.admins import ADD_FORM_ID, AdminRow, AdminsState

SPEC = PageSpec(
    "/admin/admins",
    "Admins",
    "Add, review and remove the administrators of this gateway.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Email", "email"),
    Sortable("Status", "active"),
    Sortable("Last sign-in (UTC)", "last_sign_in"),
    Sortable("Added (UTC)", "created"),
    "",
)


def section_title(title: str, subtitle: str) -> rx.Component:
    """The heading of a part of the page, with a line on what it is for."""
    return rx.flex(
        rx.heading(title, as_="h2", size="5"),
        rx.text(subtitle, size="2", color_scheme="gray"),
        direction="column",
        spacing="1",
    )


def remove_button(row: Var[AdminRow]) -> rx.Component:
    """Asks to confirm removing the row's admin."""
    return rx.button(
        rx.icon("trash-2", size=14),
        "Remove",
        on_click=AdminsState.ask_removal(row.id, row.email),
        variant="soft",
        color_scheme="red",
        size="1",
        cursor="pointer",
        aria_label=f"Remove {row.email}",
    )


def admin_row(row: Var[AdminRow]) -> rx.Component:
    """One admin: email (marked when it is you), state, sign-in, creation, and Remove."""
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(row.email, weight="medium", overflow_wrap="anywhere"),
                rx.cond(row.is_you, state_badge("You", "indigo"), rx.fragment()),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            min_width="12rem",
        ),
        rx.table.cell(
            rx.cond(row.active, state_badge("Active", "green"), state_badge("Inactive", "gray"))
        ),
        rx.table.cell(row.last_sign_in),
        rx.table.cell(row.created),
        rx.table.cell(
            rx.cond(row.active, remove_button(row), rx.fragment()),
            text_align="right",
        ),
        align="center",
    )


def admins_table() -> rx.Component:
    """The current page of admins, or what to do when there are none."""
    return rx.cond(
        AdminsState.loaded,
        rx.cond(
            AdminsState.rows,
            rx.flex(
                data_table("Admins", COLUMNS, rx.foreach(AdminsState.rows, admin_row), AdminsState),
                pager(AdminsState, "admins"),
                direction="column",
                spacing="3",
            ),
            empty_state(
                "shield-check",
                "No admins to show",
                "Add an admin with the form below; they can sign in as soon as they are added.",
            ),
        ),
        loading_rows("admins"),
    )


def admins_section() -> rx.Component:
    """The admins, with the outcome of the last removal."""
    return rx.flex(
        section_title(
            "Administrators",
            "Removing an admin signs them out at once. Admins who have acted are kept, "
            "inactive, so the audit log keeps its authors; the others are deleted.",
        ),
        answer(AdminsState.removal_error, "error"),
        answer(AdminsState.removal_notice, "success"),
        admins_table(),
        direction="column",
        spacing="4",
    )


def add_admin_form() -> rx.Component:
    """The new admin's email and password."""
    return rx.el.form(
        rx.flex(
            answer(AdminsState.form_error, "error"),
            answer(AdminsState.notice, "success"),
            rx.grid(
                form_field(AdminsState, "Email", "email", input_type="email", autocomplete="off"),
                form_field(
                    AdminsState,
                    "Password",
                    "password",
                    input_type="password",
                    autocomplete="new-password",
                    hint=f"At least {MIN_PASSWORD_LENGTH} characters.",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            rx.flex(
                rx.button(
                    rx.icon("user-plus", size=16),
                    "Add admin",
                    type="submit",
                    size="2",
                    loading=AdminsState.submitting,
                    cursor="pointer",
                ),
            ),
            direction="column",
            spacing="4",
        ),
        id=ADD_FORM_ID,
        on_submit=AdminsState.add,
        no_validate=True,
        width="100%",
    )


def add_admin_card() -> rx.Component:
    """Adding an admin."""
    return rx.card(
        rx.flex(
            section_title(
                "Add an admin",
                "They can sign in at once with this email and password; "
                "pass the password on privately.",
            ),
            add_admin_form(),
            direction="column",
            spacing="4",
        ),
        size="3",
    )


def removal_dialog() -> rx.Component:
    """Asks before an admin is removed."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this admin?"),
            rx.alert_dialog.description(
                rx.text.strong(AdminsState.pending_email, overflow_wrap="anywhere"),
                " will be signed out at once and will no longer be able to sign in.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", cursor="pointer")
                ),
                rx.button(
                    "Remove admin",
                    on_click=AdminsState.confirm_removal,
                    loading=AdminsState.removing,
                    color_scheme="red",
                    cursor="pointer",
                ),
                justify="end",
                spacing="3",
                margin_top="20px",
            ),
            max_width="28rem",
        ),
        open=AdminsState.confirm_open,
        on_open_change=AdminsState.set_confirm_open,
    )


def admins_page() -> rx.Component:
    """The admins, the add form, and the removal confirmation."""
    return console_page(SPEC, admins_section(), add_admin_card(), removal_dialog())


PAGE = SitePage(SPEC, admins_page, on_load=(AdminsState.load,))
