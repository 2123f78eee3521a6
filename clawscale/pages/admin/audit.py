"""`/admin/audit`: what admins did, newest first, a page at a time."""

from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import Sortable, data_table, empty_state, loading_rows, pager
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.translated import chosen, table_time
from clawscale.domain.console.audit_log import AuditEntry, count_audit_entries, list_audit_entries
from clawscale.domain.sorting import Sort
from clawscale.i18n.catalogs import N_
from clawscale.state.admin.display import NOTHING, iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState

ACTION_LABELS = {
    "admin.login": N_("Signed in"),
    "admin.logout": N_("Signed out"),
    "admin.create": N_("Added an admin"),
    "admin.deleted": N_("Deleted an admin"),
    "admin.deactivated": N_("Deactivated an admin"),
    "agent.create": N_("Registered an agent"),
    "agent.update": N_("Changed an agent"),
    "channel.disconnect": N_("Disconnected a channel"),
    "delivery.retry": N_("Retried a delivery"),
    "mail.resend": N_("Resent an email"),
    "binding.retry": N_("Retried provisioning"),
    "shared_channel.create": N_("Created a shared channel"),
    "shared_channel.update": N_("Changed a shared channel"),
    "shared_channel.connect": N_("Connected a shared channel"),
    "shared_channel.disconnect": N_("Disconnected a shared channel"),
    "shared_channel.archive": N_("Archived a shared channel"),
}
TARGET_LABELS = {
    "admin_account": N_("Admin"),
    "agent": N_("Agent"),
    "session": N_("Session"),
    "channel": N_("Channel"),
    "outbound_delivery": N_("Delivery"),
    "email_message": N_("Email"),
    "customer": N_("Customer"),
}


@dataclass(frozen=True)
class AuditRow:
    """One entry as the table shows it: its labels English message ids (an unknown target kind
    as it is), its time an ISO string."""

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
        time=iso_time(entry.created_at),
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
    N_("Audit log"),
    N_("Every admin action — sign-ins, new and removed admins — newest first."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Time (UTC)"), "time"),
    Sortable(N_("Admin"), "admin"),
    Sortable(N_("Action"), "action"),
    Sortable(N_("Target"), "target"),
)


def two_lines(first: rx.Component, second: rx.Component) -> rx.Component:
    """A cell's main line and the quieter line under it."""
    return rx.flex(first, second, direction="column", spacing="1", align="start")


def action_cell(row: Var[AuditRow]) -> rx.Component:
    """The action in words (when known) above its code."""
    return two_lines(
        rx.cond(
            row.action_label != "",
            rx.text(chosen(row.action_label, ACTION_LABELS.values()), size="2"),
            rx.fragment(),
        ),
        rx.code(row.action, variant="soft", size="1"),
    )


def target_cell(row: Var[AuditRow]) -> rx.Component:
    """What the action was done to: its kind above its email or id."""
    return two_lines(
        rx.cond(
            row.target_kind != "",
            rx.text(chosen(row.target_kind, TARGET_LABELS.values()), size="1", color_scheme="gray"),
            rx.fragment(),
        ),
        rx.text(row.target, size="2", overflow_wrap="anywhere"),
    )


def audit_table_row(row: Var[AuditRow]) -> rx.Component:
    """One entry: when, who, what, and to what."""
    return rx.table.row(
        rx.table.cell(
            table_time(row.time, seconds=True),
            white_space=rx.breakpoints(initial="normal", md="nowrap"),
        ),
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
                    N_("Audit log"),
                    COLUMNS,
                    rx.foreach(AuditState.rows, audit_table_row),
                    AuditState,
                ),
                pager(AuditState, N_("entries")),
                direction="column",
                spacing="3",
            ),
            empty_state(
                "scroll-text",
                N_("Nothing recorded yet"),
                N_(
                    "Admin sign-ins, new admins and removals appear here as they happen. "
                    "Add or remove an admin on the Admins page to see one."
                ),
            ),
        ),
        loading_rows(N_("the audit log")),
    )


def render_page() -> rx.Component:
    """The audit log."""
    return console_page(SPEC, audit_table())


PAGE = SitePage(SPEC, render_page, on_load=(AuditState.load,))
