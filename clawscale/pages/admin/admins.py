"""`/admin/admins`: every admin account a page at a time, adding one, and removing one after a
confirmation."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import (
    Sortable,
    data_table,
    empty_state,
    loading_rows,
    pager,
    state_badge,
)
from clawscale.components.admin.widgets import icon_submit, section_title
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, form_field
from clawscale.domain.accounts.admins import (
    Removal,
    add_admin,
    count_admins,
    list_admins,
    remove_admin,
)
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
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
from clawscale.state.form import FormState, field_value, reset_form
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
                icon_submit("user-plus", "Add admin", AdminsState),
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


def render_page() -> rx.Component:
    """The admins, the add form, and the removal confirmation."""
    return console_page(SPEC, admins_section(), add_admin_card(), removal_dialog())


PAGE = SitePage(SPEC, render_page, on_load=(AdminsState.load,))
