"""`/admin/admins`: every admin account a page at a time, adding one, and removing one after a
confirmation."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

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
    time_or_never,
)
from clawscale.components.admin.widgets import icon_submit, section_title
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, form_field
from clawscale.components.translated import chosen, t
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
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.pagination import (
    PAGE_SIZE,
    SortedPaginationState,
    TablePage,
    page_offset,
)
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value, reset_form
from clawscale.state.validation import (
    EMAIL_LIKE,
    PASSWORD_TOO_SHORT,
    VALIDATION_MESSAGES,
    email_problem,
    new_password_problem,
)

ADD_FORM_ID = "add-admin-form"
EMAIL_TAKEN = N_("An admin with this email already exists.")
PASSWORD_HINT = N_("At least {length} characters.")
ADDED = N_("Added {email}. They can sign in now.")
REMOVAL_FAILED = N_("The admin could not be removed. Reload the page and try again.")
REFUSALS = {
    "cannot_delete_self": N_("You cannot remove yourself. Ask another admin to do it."),
    "cannot_delete_last_active_admin": N_(
        "At least one active admin must remain. Add another admin before removing this one."
    ),
    "admin_not_found": N_("That admin has already been removed."),
}
OUTCOMES = {
    Removal.DELETED: N_("{email} was deleted."),
    Removal.DEACTIVATED: N_(
        "{email} was deactivated: the audit log refers to this admin, so the account is kept, "
        "but it can no longer sign in."
    ),
}
REMOVAL_MESSAGES = (*REFUSALS.values(), REMOVAL_FAILED, *OUTCOMES.values())


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
            last_sign_in=iso_time(admin.last_login_at),
            created=iso_time(admin.created_at),
            is_you=admin.id == me.id,
        )
        for admin in list_admins(db, PAGE_SIZE, start, sort)
    ]
    return TablePage(rows, start, total)


def add_problem(error: DomainError) -> dict[str, str]:
    """The field problem of a refused new admin (a message id of `AdminsState.MESSAGES`)."""
    if isinstance(error, Conflict):
        return {"email": EMAIL_TAKEN}
    if error.code == "password_too_short":
        return {"password": PASSWORD_TOO_SHORT}
    return {"email": EMAIL_LIKE}


class AdminsState(FormState, SortedPaginationState, AdminSessionState):
    """The admins table, the add form, and the removal being confirmed; the add form's
    answers and the removal's outcome are message ids (the added or removed email beside)."""

    MESSAGES: ClassVar[tuple[str, ...]] = (*VALIDATION_MESSAGES, EMAIL_TAKEN, ADDED)

    rows: list[AdminRow] = rx.field(default_factory=list)
    loaded: bool = False
    confirm_open: bool = False
    pending_id: str = ""
    pending_email: str = ""
    removing: bool = False
    removal_notice: str = ""
    removal_error: str = ""
    added_email: str = ""

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
        self.added_email = added
        self._done(ADDED)
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
        admin_id = self.pending_id
        try:
            outcome = await self._as_admin(
                lambda db, _settings, me: remove_admin(db, me.id, admin_id)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except DomainError as error:
            self.removal_error = REFUSALS.get(error.code, REMOVAL_FAILED)
        else:
            self.removal_notice = OUTCOMES[outcome]
        finally:
            self.removing = False
            self.confirm_open = False
        yield await self._fetch()


SPEC = PageSpec(
    "/admin/admins",
    N_("Admins"),
    N_("Add, review and remove the administrators of this gateway."),
    Section.ADMIN,
)
COLUMNS = (
    Sortable(N_("Email"), "email"),
    Sortable(N_("Status"), "active"),
    Sortable(N_("Last sign-in (UTC)"), "last_sign_in"),
    Sortable(N_("Added (UTC)"), "created"),
    "",
)


def remove_button(row: Var[AdminRow]) -> rx.Component:
    """Asks to confirm removing the row's admin."""
    return rx.button(
        rx.icon("trash-2", size=14),
        t("Remove"),
        on_click=AdminsState.ask_removal(row.id, row.email),
        variant="soft",
        color_scheme="red",
        size="1",
        cursor="pointer",
        aria_label=t("Remove {email}", email=row.email),
    )


def admin_row(row: Var[AdminRow]) -> rx.Component:
    """One admin: email (marked when it is you), state, sign-in, creation, and Remove."""
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(row.email, weight="medium", overflow_wrap="anywhere"),
                rx.cond(row.is_you, state_badge(N_("You"), "indigo"), rx.fragment()),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            min_width="12rem",
        ),
        rx.table.cell(
            rx.cond(
                row.active,
                state_badge(N_("Active"), "green"),
                state_badge(N_("Inactive"), "gray"),
            )
        ),
        rx.table.cell(time_or_never(row.last_sign_in)),
        rx.table.cell(time_or_never(row.created)),
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
                data_table(
                    N_("Admins"), COLUMNS, rx.foreach(AdminsState.rows, admin_row), AdminsState
                ),
                pager(AdminsState, N_("admins")),
                direction="column",
                spacing="3",
            ),
            empty_state(
                "shield-check",
                N_("No admins to show"),
                N_("Add an admin with the form below; they can sign in as soon as they are added."),
            ),
        ),
        loading_rows(N_("admins")),
    )


def admins_section() -> rx.Component:
    """The admins, with the outcome of the last removal."""
    return rx.flex(
        section_title(
            N_("Administrators"),
            N_(
                "Removing an admin signs them out at once. Admins who have acted are kept, "
                "inactive, so the audit log keeps its authors; the others are deleted."
            ),
        ),
        answer(chosen(AdminsState.removal_error, REMOVAL_MESSAGES), "error"),
        answer(
            chosen(AdminsState.removal_notice, REMOVAL_MESSAGES, email=AdminsState.pending_email),
            "success",
        ),
        admins_table(),
        direction="column",
        spacing="4",
    )


def add_admin_form() -> rx.Component:
    """The new admin's email and password."""
    return rx.el.form(
        rx.flex(
            answer(chosen(AdminsState.form_error, AdminsState.MESSAGES), "error"),
            answer(
                chosen(AdminsState.notice, AdminsState.MESSAGES, email=AdminsState.added_email),
                "success",
            ),
            rx.grid(
                form_field(
                    AdminsState, t("Email"), "email", input_type="email", autocomplete="off"
                ),
                form_field(
                    AdminsState,
                    t("Password"),
                    "password",
                    input_type="password",
                    autocomplete="new-password",
                    hint=t(PASSWORD_HINT, length=MIN_PASSWORD_LENGTH),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            rx.flex(
                icon_submit("user-plus", t("Add admin"), AdminsState),
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
                N_("Add an admin"),
                N_(
                    "They can sign in at once with this email and password; "
                    "pass the password on privately."
                ),
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
            rx.alert_dialog.title(t("Remove this admin?")),
            rx.alert_dialog.description(
                t(
                    "{email} will be signed out at once and will no longer be able to sign in.",
                    email=AdminsState.pending_email,
                ),
                size="2",
                overflow_wrap="anywhere",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(t("Cancel"), variant="soft", color_scheme="gray", cursor="pointer")
                ),
                rx.button(
                    t("Remove admin"),
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
