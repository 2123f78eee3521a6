"""`/admin/mail`: outgoing email, newest first, filtered by state and paged on the server; and
Resend on an email that was never sent (kept, failed or dead), audited.

A row says to whom, about what (the subject), in which state, after how many attempts and with
which last error; never the body, which may hold a sign-in or verification link. When the
gateway sends no mail (MAIL_TRANSPORT=none or no RESEND_API_KEY) the page says so above the list.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.admin.console import console_page
from clawscale.components.admin.tables import (
    data_table,
    empty_state,
    loading_rows,
    pager,
    time_or_never,
)
from clawscale.components.admin.widgets import (
    clamped,
    confirm_dialog,
    filter_select,
    row_badge,
    row_button,
    table_with_pager,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, message_callout
from clawscale.components.translated import chosen, t
from clawscale.domain.errors import Conflict, NotFound, Unavailable
from clawscale.domain.mail.queries import MailSummary, list_mail
from clawscale.domain.mail.queue import RESENDABLE, resend_mail
from clawscale.domain.mail.transport import mail_is_sent
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount, EmailStatus
from clawscale.settings import Settings
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.display import iso_time
from clawscale.state.admin.pagination import PAGE_SIZE, PaginationState, TablePage, page_offset
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut

UNSENT = "unsent"
ALL = "all"
NOT_SENT = tuple(status for status in EmailStatus if status is not EmailStatus.SENT)
STATE_CHOICES: dict[str, str] = {
    UNSENT: N_("Not sent"),
    ALL: N_("Every state"),
    **{status.value: state_label(status.value) for status in EmailStatus},
}
RESENT = N_("The email is queued again: the mail worker will send it shortly.")
NOT_RESENDABLE = N_("This email is sent or on its way, so there is nothing to resend.")
GONE = N_("That email no longer exists.")
MAIL_OFF = N_(
    "This gateway is not sending email (MAIL_TRANSPORT is none, or RESEND_API_KEY is not set), "
    "so new email is kept here unsent and nothing can be resent."
)
ANSWERS = (RESENT, NOT_RESENDABLE, GONE, MAIL_OFF)


@dataclass(frozen=True)
class MailRow:
    """One email as the table shows it: no body; times as ISO strings ("" for none)."""

    id: str = ""
    recipient: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    attempts: int = 0
    error: str = ""
    created_at: str = ""
    next_attempt_at: str = ""
    can_resend: bool = False


def mail_row(mail: MailSummary) -> MailRow:
    """An email in words."""
    return MailRow(
        id=mail.id,
        recipient=mail.recipient,
        subject=mail.subject,
        status=mail.status,
        status_label=state_label(mail.status),
        status_color=state_color(mail.status),
        attempts=mail.attempts,
        error=mail.error or "",
        created_at=iso_time(mail.created_at),
        next_attempt_at=iso_time(mail.next_attempt_at),
        can_resend=mail.status in RESENDABLE,
    )


def statuses_of(choice: str) -> tuple[EmailStatus, ...]:
    """The states a state choice lists (none means every state)."""
    if choice == UNSENT:
        return NOT_SENT
    if choice in {status.value for status in EmailStatus}:
        return (EmailStatus(choice),)
    return ()


@dataclass(frozen=True)
class MailTablePage(TablePage[MailRow]):
    """A page of emails, and whether this gateway sends mail at all."""

    mail_sent: bool = True


def mail_page(db: Session, settings: Settings, choice: str, offset: int) -> MailTablePage:
    """The page at `offset` (kept within the emails that exist) of the emails `choice` lists."""
    statuses = statuses_of(choice)
    page = list_mail(db, statuses, PAGE_SIZE, offset)
    start = page_offset(offset, page.total)
    if start != offset:
        page = list_mail(db, statuses, PAGE_SIZE, start)
    rows = [mail_row(mail) for mail in page.items]
    return MailTablePage(rows, start, page.total, mail_is_sent(settings))


def resend(db: Session, settings: Settings, admin: AdminAccount, mail_id: str) -> str:
    """Queue an unsent email again as `admin` (audited); the answer's message id."""
    try:
        resend_mail(db, settings, admin.id, mail_id)
    except Unavailable:
        return MAIL_OFF
    except NotFound:
        return GONE
    except Conflict:
        return NOT_RESENDABLE
    return RESENT


class MailState(PaginationState, AdminSessionState):
    """The page of outgoing email shown, its state filter, and the resend asked for."""

    rows: list[MailRow] = rx.field(default_factory=list)
    loaded: bool = False
    state_filter: str = UNSENT
    mail_sent: bool = True
    confirm_open: bool = False
    resend_id: str = ""
    resending: bool = False
    notice: str = ""
    problem: str = ""

    async def _load_page(self) -> EventSpec | None:
        choice, offset = self.state_filter, self.offset
        return await self._load_rows(
            lambda db, settings, _me: mail_page(db, settings, choice, offset)
        )

    def _show_rows(self, page: TablePage[MailRow]) -> None:
        super()._show_rows(page)
        self.mail_sent = page.mail_sent if isinstance(page, MailTablePage) else True

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the newest emails not sent."""
        if not await self._refresh_session():
            return self._signed_out()
        self.state_filter = UNSENT
        self.notice, self.problem = "", ""
        self.confirm_open = False
        return await self._first_page()

    @rx.event
    async def set_state_filter(self, choice: str) -> EventSpec | None:
        """Another state choice: its first page at once."""
        self.state_filter = choice if choice in STATE_CHOICES else UNSENT
        return await self._first_page()

    @rx.event
    def ask_resend(self, mail_id: str) -> None:
        """Open the confirmation of resending this email."""
        self.notice, self.problem = "", ""
        self.resend_id = mail_id
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        """The confirmation opened or closed (Cancel, Escape, outside click)."""
        self.confirm_open = is_open

    @rx.event
    async def confirm_resend(self) -> AsyncIterator[EventSpec | None]:
        """Resend the email being confirmed, then show the page again with its new state."""
        self.resending = True
        yield None
        mail_id = self.resend_id
        try:
            answer_id = await self._as_admin(
                lambda db, settings, me: resend(db, settings, me, mail_id)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        finally:
            self.resending = False
            self.confirm_open = False
        if answer_id == RESENT:
            self.notice = answer_id
        else:
            self.problem = answer_id
        yield await self._load_page()


SPEC = PageSpec(
    "/admin/mail",
    N_("Mail"),
    N_(
        "Outgoing email and what became of it: sent, waiting for a retry, given up, or kept "
        "unsent. Resend what never went out."
    ),
    Section.ADMIN,
)
COLUMNS = (
    N_("Created (UTC)"),
    N_("Recipient"),
    N_("Subject"),
    N_("State"),
    N_("Attempts"),
    N_("Last error"),
    "",
)


def mail_table_row(row: Var[MailRow]) -> rx.Component:
    """One email: when, to whom, about what, its state, its tries and last error, Resend."""
    return rx.table.row(
        rx.table.cell(
            time_or_never(row.created_at, seconds=True),
            white_space=rx.breakpoints(initial="normal", md="nowrap"),
        ),
        rx.table.cell(rx.text(row.recipient, overflow_wrap="anywhere"), min_width="10rem"),
        rx.table.cell(clamped(row.subject, size="2"), min_width="10rem", max_width="18rem"),
        rx.table.cell(row_badge(row.status_label, row.status_color)),
        rx.table.cell(row.attempts, text_align="right"),
        rx.table.cell(
            clamped(row.error, size="1", color_scheme="red"), min_width="8rem", max_width="16rem"
        ),
        rx.table.cell(
            rx.cond(
                row.can_resend & MailState.mail_sent,
                row_button(
                    N_("Resend"),
                    "send",
                    MailState.ask_resend(row.id),
                    t("Resend the email to {recipient}", recipient=row.recipient),
                    "red",
                ),
                rx.fragment(),
            )
        ),
        align="center",
        data_mail=row.id,
    )


def filters() -> rx.Component:
    """The state choice, applied at once."""
    return rx.flex(
        filter_select(
            N_("State"),
            "mail-state",
            MailState.state_filter,
            MailState.set_state_filter,
            STATE_CHOICES,
        ),
        wrap="wrap",
        spacing="3",
    )


def mail_table() -> rx.Component:
    """The current page, or what to expect when nothing matches."""
    return rx.cond(
        MailState.loaded,
        rx.cond(
            MailState.rows,
            table_with_pager(
                data_table(N_("Mail"), COLUMNS, rx.foreach(MailState.rows, mail_table_row)),
                pager(MailState, N_("emails")),
            ),
            empty_state(
                "mail-check",
                N_("No emails match"),
                N_(
                    "Nothing is waiting or stuck, which is good news. Choose “Every state” to "
                    "see the emails already sent."
                ),
            ),
        ),
        loading_rows(N_("mail")),
    )


def resend_dialog() -> rx.Component:
    """Asks before an email is sent again."""
    return confirm_dialog(
        N_("Resend this email?"),
        rx.text(
            t(
                "The email is queued with a fresh set of attempts and the mail worker sends it. "
                "The resend is written to the audit log."
            ),
        ),
        N_("Resend email"),
        is_open=MailState.confirm_open,
        on_open_change=MailState.set_confirm_open,
        on_confirm=MailState.confirm_resend,
        busy=MailState.resending,
    )


def render_page() -> rx.Component:
    """Whether mail is sent at all, the filter, the answers of the last resend, the table."""
    return console_page(
        SPEC,
        rx.cond(MailState.mail_sent, rx.fragment(), message_callout(t(MAIL_OFF), "error")),
        filters(),
        answer(chosen(MailState.problem, ANSWERS), "error"),
        answer(chosen(MailState.notice, ANSWERS), "success"),
        mail_table(),
        resend_dialog(),
    )


PAGE = SitePage(SPEC, render_page, on_load=(MailState.load,))
