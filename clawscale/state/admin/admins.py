"""`/admin/admins`: the admin accounts a page at a time (oldest first, or sorted by email,
status, last sign-in or creation), adding one, and removing one after a confirmation, with the
domain's refusals and outcomes in words."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.accounts.admins import (
    Removal,
    add_admin,
    count_admins,
    list_admins,
    remove_admin,
)
from clawscale.domain.errors import Conflict, DomainError, Invalid
from clawscale.domain.sorting import Sort
from clawscale.models import AdminAccount
from clawscale.state.admin.display import table_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value
from clawscale.state.validation import email_problem, new_password_problem

ADD_FORM_ID = "add-admin-form"
EMAIL_TAKEN = "An admin with this email already exists."
REFUSALS = {
    "cannot_delete_self": "You cannot remove yourself. Ask another admin to do it.",
    "cannot_delete_last_active_admin": (
        "At least one active admin must remain. Add another admin before removing this one."
    ),
    "admin_not_found": "That admin has already been removed.",
}
OUTCOMES = {
    Removal.DELETED: "{email} was deleted.",
    Removal.DEACTIVATED: (
        "{email} was deactivated: the audit log refers to this admin, so the account is kept, "
        "but it can no longer sign in."
    ),
}


@dataclass(frozen=True)
class AdminRow:
    """One admin as the table shows it."""

    id: str
    email: str
    active: bool
    last_sign_in: str
    created: str
    is_you: bool


def admins_page(
    db: Session, me: AdminAccount, offset: int, sort: Sort, *, last: bool = False
) -> TablePage[AdminRow]:
    """The page of admins at `offset` (or the last page) in `sort` order, `me` marked."""
    total = count_admins(db)
    start = page_offset(total if last else offset, total)
    rows = [
        AdminRow(
            id=admin.id,
            email=admin.email,
            active=admin.is_active,
            last_sign_in=table_time(admin.last_login_at),
            created=table_time(admin.created_at),
            is_you=admin.id == me.id,
        )
        for admin in list_admins(db, PAGE_SIZE, start, sort)
    ]
    return TablePage(rows, start, total)


def add_problem(error: DomainError) -> dict[str, str]:
    """The field problem of a refused new admin."""
    if isinstance(error, Conflict):
        return {"email": EMAIL_TAKEN}
    field = "password" if error.code == "password_too_short" else "email"
    return {field: error.message or error.code}


def reset_form(form_id: str) -> EventSpec:
    """Empty the browser's form `form_id` (its inputs are uncontrolled)."""
    return rx.call_script(f"document.getElementById({json.dumps(form_id)})?.reset()")


class AdminsState(FormState, SortedPaginationState, AdminSessionState):
    """The admins table, the add form, and the removal being confirmed."""

    rows: list[AdminRow] = rx.field(default_factory=list)
    loaded: bool = False
    confirm_open: bool = False
    pending_id: str = ""
    pending_email: str = ""
    removing: bool = False
    removal_notice: str = ""
    removal_error: str = ""

    async def _fetch(self, *, last: bool = False) -> EventSpec | None:
        offset, sort = self.offset, self._sort()
        return await self._load_rows(
            lambda db, _settings, me: admins_page(db, me, offset, sort, last=last)
        )

    async def _load_page(self) -> EventSpec | None:
        return await self._fetch()

    def _clear_removal(self) -> None:
        self.removal_notice = ""
        self.removal_error = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then show the first page with fresh forms."""
        self._clear_form()
        self._clear_removal()
        self.confirm_open = False
        if not await self._refresh_session():
            return self._signed_out()
        self._reset_sort("created")
        return await self._first_page()

    @rx.event
    async def add(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the new admin's email and password, create it, and show it on the last page."""
        self._begin_submit()
        self._clear_removal()
        email = field_value(form_data, "email").strip()
        password = field_value(form_data, "password")
        if self._rejected(
            {"email": email_problem(email), "password": new_password_problem(password)}
        ):
            return
        yield None
        try:
            added = await self._as_admin(
                lambda db, _settings, me: add_admin(db, me.id, email, password).email
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except (Conflict, Invalid) as error:
            self._rejected(add_problem(error))
            return
        self._done(f"Added {added}. They can sign in now.")
        yield reset_form(ADD_FORM_ID)
        yield await self._fetch(last=True)

    @rx.event
    def ask_removal(self, admin_id: str, email: str) -> None:
        """Open the confirmation of removing this admin."""
        self._clear_removal()
        self.pending_id = admin_id
        self.pending_email = email
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        """The confirmation dialog opened or closed (Cancel, Escape, outside click)."""
        self.confirm_open = is_open

    @rx.event
    async def confirm_removal(self) -> AsyncIterator[EventSpec | None]:
        """Remove the admin being confirmed, say what happened, and show the page again."""
        self.removing = True
        yield None
        admin_id, email = self.pending_id, self.pending_email
        try:
            outcome = await self._as_admin(
                lambda db, _settings, me: remove_admin(db, me.id, admin_id)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except DomainError as error:
            self.removal_error = REFUSALS.get(error.code, error.message or error.code)
        else:
            self.removal_notice = OUTCOMES[outcome].format(email=email)
        finally:
            self.removing = False
            self.confirm_open = False
        yield await self._fetch()
