"""`/admin/audit`: what admins did, newest first, a page at a time."""

from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.domain.console.audit_log import AuditEntry, count_audit_entries, list_audit_entries
from clawscale.domain.sorting import Sort
from clawscale.state.admin.display import NOTHING, table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState

ACTION_LABELS = {
    "admin.login": "Signed in",
    "admin.logout": "Signed out",
    "admin.create": "Added an admin",
    "admin.deleted": "Deleted an admin",
    "admin.deactivated": "Deactivated an admin",
    "channel.disconnect": "Disconnected a channel",
    "delivery.retry": "Retried a delivery",
    "binding.retry": "Retried provisioning",
    "shared_channel.connect": "Connected a shared channel",
    "shared_channel.disconnect": "Disconnected a shared channel",
    "shared_channel.archive": "Archived a shared channel",
}
TARGET_LABELS = {
    "admin_account": "Admin",
    "session": "Session",
    "channel": "Channel",
    "outbound_delivery": "Delivery",
    "customer": "Customer",
}


@dataclass(frozen=True)
class AuditRow:
    """One entry as the table shows it."""

    id: str
    time: str
    admin: str
    action: str
    action_label: str
    target_kind: str
    target: str


def target_name(entry: AuditEntry) -> str:
    """What the action was done to: its email (when recorded) or its id."""
    email = entry.details.get("email")
    return email if isinstance(email, str) and email else entry.target_id or NOTHING


def audit_row(entry: AuditEntry) -> AuditRow:
    """An entry in words."""
    return AuditRow(
        id=entry.id,
        time=table_time(entry.created_at, seconds=True),
        admin=entry.admin_email or NOTHING,
        action=entry.action,
        action_label=ACTION_LABELS.get(entry.action, ""),
        target_kind=TARGET_LABELS.get(entry.target_kind, entry.target_kind),
        target=target_name(entry),
    )


def audit_page(db: Session, offset: int, sort: Sort) -> TablePage[AuditRow]:
    """The page at `offset` in `sort` order: its rows, where it starts, and the number of
    entries."""
    total = count_audit_entries(db)
    start = page_offset(offset, total)
    entries = list_audit_entries(db, PAGE_SIZE, start, sort)
    return TablePage([audit_row(entry) for entry in entries], start, total)


class AuditState(SortedPaginationState, AdminSessionState):
    """The page of the audit log shown, and its order."""

    rows: list[AuditRow] = rx.field(default_factory=list)
    loaded: bool = False

    async def _load_page(self) -> EventSpec | None:
        offset, sort = self.offset, self._sort()
        return await self._load_rows(lambda db, _settings, _me: audit_page(db, offset, sort))

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then show the newest entries."""
        if not await self._refresh_session():
            return self._signed_out()
        self._reset_sort("time", descending=True)
        return await self._first_page()


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


def audit_table_row(row: Var[AuditRow]) -> rx.Component:
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
                    "Audit log", COLUMNS, rx.foreach(AuditState.rows, audit_table_row), AuditState
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


def render_page() -> rx.Component:
    """The audit log."""
    return console_page(SPEC, audit_table())


PAGE = SitePage(SPEC, render_page, on_load=(AuditState.load,))
