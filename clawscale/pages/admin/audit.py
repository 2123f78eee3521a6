"""`/admin/audit`: what admins did, newest first, a page at a time."""

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.state.admin.audit import AuditRow, AuditState

SPEC = PageSpec(
    "/admin/audit",
    "Audit log",
    "Every admin action — sign-ins, new and removed admins — newest first.",
    Section.ADMIN,
)
COLUMNS = (
    Sortable("Time (UTC)", "time"),
    Sortable("Admin", "admin"),
    Sortable("Action", "action"),
    Sortable("Target", "target"),
)


def two_lines(first: rx.Component, second: rx.Component) -> rx.Component:
    """A cell's main line and the quieter line under it."""
    return rx.flex(first, second, direction="column", spacing="1", align="start")


def action_cell(row: Var[AuditRow]) -> rx.Component:
    """The action in words (when known) above its code."""
    return two_lines(
        rx.cond(row.action_label != "", rx.text(row.action_label, size="2"), rx.fragment()),
        rx.code(row.action, variant="soft", size="1"),
    )


def target_cell(row: Var[AuditRow]) -> rx.Component:
    """What the action was done to: its kind above its email or id."""
    return two_lines(
        rx.cond(
            row.target_kind != "",
            rx.text(row.target_kind, size="1", color_scheme="gray"),
            rx.fragment(),
        ),
        rx.text(row.target, size="2", overflow_wrap="anywhere"),
    )


def audit_row(row: Var[AuditRow]) -> rx.Component:
    """One entry: when, who, what, and to what."""
    return rx.table.row(
        rx.table.cell(row.time, white_space=rx.breakpoints(initial="normal", md="nowrap")),
        rx.table.cell(rx.text(row.admin, overflow_wrap="anywhere"), min_width="12rem"),
        rx.table.cell(action_cell(row), min_width="10rem"),
        rx.table.cell(target_cell(row), min_width="12rem"),
        align="center",
    )


def audit_table() -> rx.Component:
    """The current page of the log, or what to expect when it is empty."""
    return rx.cond(
        AuditState.loaded,
        rx.cond(
            AuditState.rows,
            rx.flex(
                data_table(
                    "Audit log", COLUMNS, rx.foreach(AuditState.rows, audit_row), AuditState
                ),
                pager(AuditState, "entries"),
                direction="column",
                spacing="3",
            ),
            empty_state(
                "scroll-text",
                "Nothing recorded yet",
                "Admin sign-ins, new admins and removals appear here as they happen. "
                "Add or remove an admin on the Admins page to see one.",
            ),
        ),
        loading_rows("the audit log"),
    )


def audit_page() -> rx.Component:
    """The audit log."""
    return console_page(SPEC, audit_table())


PAGE = SitePage(SPEC, audit_page, on_load=(AuditState.load,))
