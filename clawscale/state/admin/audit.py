"""`/admin/audit`: the audit log, newest first (or sorted by admin, action or target kind), a
page at a time, in words."""

from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.console.audit_log import AuditEntry, count_audit_entries, list_audit_entries
from clawscale.domain.sorting import Sort
from clawscale.state.admin.display import table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState

NOTHING = "\N{EM DASH}"
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
