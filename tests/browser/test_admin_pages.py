"""The admin console in a real browser: the guard and sign-in, the admins page (add, refuse,
remove after confirming), the audit log, and the layout at laptop and tablet widths.

Screenshots of the built pages are kept under `test-results/screenshots/` (git-ignored).
"""

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from clawscale.state.admin.pagination import PAGE_SIZE, page_offset
from clawscale.state.admin.session import admin_next_path
from tests.browser.conftest import PASSWORD, AdminLogin, admin_session_token, make_admin

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
CONSOLE_PAGES = ["/admin", "/admin/admins", "/admin/audit", "/admin/customers"]
WIDTHS = {"laptop": 1280, "tablet": 768}


def login_url(frontend_url: str, next_path: str) -> str:
    """The admin sign-in page, asked to return to `next_path`."""
    return f"{frontend_url}/admin/login?next={quote(next_path, safe='')}"


def sign_in(page: Page, email: str, password: str) -> None:
    """Submit the admin sign-in form of the current page."""
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def add_admin(page: Page, email: str, password: str) -> None:
    """Submit the Add admin form of the admins page."""
    form = page.locator("#add-admin-form")
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Add admin").click()


def admin_row(page: Page, email: str) -> Locator:
    """The admins table's row of `email`."""
    return page.get_by_role("table", name="Admins").get_by_role("row").filter(has_text=email)


def turn_to(page: Page, email: str) -> Locator:
    """Page through the admins table until it shows `email`; its row."""
    row = admin_row(page, email)
    pager = page.get_by_role("status").filter(has_text=" admins")
    expect(pager).to_be_visible()
    while row.count() == 0:
        shown = pager.inner_text()
        page.get_by_role("button", name="Next").click()
        expect(pager).not_to_have_text(shown)
    return row


def remove(page: Page, email: str) -> None:
    """Find `email` in the admins table, ask to remove it, and confirm."""
    turn_to(page, email).get_by_role("button", name=f"Remove {email}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(email)
    dialog.get_by_role("button", name="Remove admin").click()
    expect(dialog).to_be_hidden()


def fits_the_window(page: Page) -> bool:
    """Whether the page is no wider than the window (nothing forces sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_only_console_pages_are_landing_places_after_sign_in() -> None:
    assert admin_next_path("/admin/admins?x=1") == "/admin/admins?x=1"
    assert admin_next_path("/admin") == "/admin"
    for elsewhere in (None, "", "/account", "//evil.test/admin", "https://evil.test/admin"):
        assert admin_next_path(elsewhere) == "/admin"
    for loop in ("/admin/login", "/admin/login?next=/admin", "/admin/x/../../account"):
        assert admin_next_path(loop) == "/admin"
    assert admin_next_path("/administrators") == "/admin"


def test_page_offsets_snap_to_pages_that_exist() -> None:
    assert page_offset(0, 0) == 0
    assert page_offset(PAGE_SIZE * 3, PAGE_SIZE * 2) == PAGE_SIZE
    assert page_offset(PAGE_SIZE + 3, PAGE_SIZE * 5) == PAGE_SIZE
    assert page_offset(-5, 10) == 0


@pytest.mark.parametrize("route", CONSOLE_PAGES)
def test_signed_out_visitors_of_the_console_are_sent_to_sign_in(
    page: Page, frontend_url: str, route: str
) -> None:
    page.goto(frontend_url + route)

    expect(page).to_have_url(login_url(frontend_url, route))
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin sign in")
    expect(page.get_by_role("navigation")).to_have_count(0)


def test_wrong_passwords_and_empty_fields_are_explained(
    page: Page, frontend_url: str, admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email address")).to_be_visible()
    expect(page.get_by_text("Enter your password")).to_be_visible()

    sign_in(page, admin.email, "not the password")

    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    expect(page).to_have_url(frontend_url + "/admin/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()


def test_sign_in_returns_to_the_page_that_asked_and_sign_out_closes_the_console(
    page: Page, frontend_url: str, admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin/admins")
    expect(page).to_have_url(login_url(frontend_url, "/admin/admins"))

    sign_in(page, admin.email.upper(), admin.password)

    expect(page).to_have_url(frontend_url + "/admin/admins")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(admin.email)
    expect(header.locator("[aria-current=page]")).to_have_text("Admins")
    expect(turn_to(page, admin.email)).to_contain_text("You")

    page.goto(frontend_url + "/admin/login?next=%2Fadmin%2Faudit")
    expect(page).to_have_url(frontend_url + "/admin/audit")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(frontend_url + "/admin/login")
    page.goto(frontend_url + "/admin/audit")
    expect(page).to_have_url(login_url(frontend_url, "/admin/audit"))


def test_navigation_reaches_every_console_page(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    page.goto(frontend_url + "/admin")
    nav = page.get_by_role("navigation", name="Admin navigation")
    expect(nav.get_by_role("link")).to_have_text(
        [
            "Overview",
            "Customers",
            "Channels",
            "Shared channels",
            "Agents",
            "Deliveries",
            "Mail",
            "Admins",
            "Audit log",
        ]
    )

    nav.get_by_role("link", name="Mail").click()
    expect(page).to_have_url(frontend_url + "/admin/mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail")
    nav.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(frontend_url + "/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    nav.get_by_role("link", name="Shared channels").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared channels")
    expect(page.get_by_role("heading", name="Create a shared channel")).to_be_visible()


def test_add_an_admin_then_remove_it_and_read_both_in_the_audit_log(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, new_email: Callable[[str], str]
) -> None:
    page.goto(frontend_url + "/admin/admins")
    add_admin(page, "not-an-email", "short")
    expect(page.get_by_text("Enter an email address like name@example.com")).to_be_visible()
    expect(page.get_by_text("Use at least 8 characters")).to_be_visible()

    email = new_email("helper")
    add_admin(page, email, PASSWORD)

    expect(page.get_by_role("status").filter(has_text=f"Added {email}.")).to_be_visible()
    expect(admin_row(page, email)).to_contain_text("Active")
    expect(admin_row(page, email)).to_contain_text("Never")
    expect(page.locator("#add-admin-form").get_by_label("Email", exact=True)).to_have_value("")

    add_admin(page, email.upper(), PASSWORD)
    expect(page.get_by_text("An admin with this email already exists.")).to_be_visible()

    admin_row(page, email).get_by_role("button", name=f"Remove {email}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(admin_row(page, email)).to_have_count(1)

    remove(page, email)

    expect(page.get_by_role("status").filter(has_text=f"{email} was deleted.")).to_be_visible()
    expect(admin_row(page, email)).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    log = page.get_by_role("table", name="Audit log")
    for action in ("admin.deleted", "admin.create"):
        entry = log.get_by_role("row").filter(has_text=action).filter(has_text=email)
        expect(entry).to_contain_text(signed_in_admin.email)
    expect(log.get_by_role("row").nth(1)).to_contain_text("admin.deleted")


def test_an_admin_who_has_acted_is_deactivated_not_deleted(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, new_email: Callable[[str], str]
) -> None:
    colleague = make_admin(new_email("colleague"))
    admin_session_token(colleague)
    page.goto(frontend_url + "/admin/admins")

    remove(page, colleague.email)

    expect(page.get_by_role("status").filter(has_text="was deactivated")).to_contain_text(
        colleague.email
    )
    row = turn_to(page, colleague.email)
    expect(row).to_contain_text("Inactive")
    expect(row.get_by_role("button")).to_have_count(0)


def test_admins_cannot_remove_themselves(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, new_email: Callable[[str], str]
) -> None:
    make_admin(new_email("other"))
    page.goto(frontend_url + "/admin/admins")

    remove(page, signed_in_admin.email)

    expect(page.get_by_role("alert")).to_contain_text("You cannot remove yourself.")
    expect(turn_to(page, signed_in_admin.email)).to_contain_text("Active")


def test_a_removed_admin_loses_the_console_at_the_next_click(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, new_email: Callable[[str], str]
) -> None:
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.admins import remove_admin
    from clawscale.models import AdminAccount

    page.goto(frontend_url + "/admin/admins")
    expect(page.get_by_role("table", name="Admins")).to_be_visible()
    remover = make_admin(new_email("remover"))
    with session_scope(get_engine()) as db:
        emails = (remover.email, signed_in_admin.email)
        rows = db.exec(select(AdminAccount).where(AdminAccount.email.in_(emails))).all()
        ids = {row.email: row.id for row in rows}
        remove_admin(db, ids[remover.email], ids[signed_in_admin.email])

    late_email = new_email("late")
    add_admin(page, late_email, PASSWORD)

    expect(page).to_have_url(login_url(frontend_url, "/admin/admins"))
    with session_scope(get_engine()) as db:
        added = db.exec(select(AdminAccount).where(AdminAccount.email == late_email)).first()
    assert added is None


def test_the_audit_log_is_paginated_newest_first(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.audit import record_admin_action

    with session_scope(get_engine()) as db:
        for number in range(PAGE_SIZE + 1):
            record_admin_action(db, None, f"test.event-{number:02}", "test", f"t{number}")
    page.goto(frontend_url + "/admin/audit")

    pager = page.get_by_role("status").filter(has_text="entries")
    expect(pager).to_contain_text(re.compile(r"^1\u201320 of \d+ entries$"))
    log = page.get_by_role("table", name="Audit log")
    expect(log.get_by_role("row").nth(1)).to_contain_text(f"test.event-{PAGE_SIZE:02}")
    expect(log.get_by_role("row").nth(1)).to_contain_text("\N{EM DASH}")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()

    page.get_by_role("button", name="Next").click()

    expect(pager).to_contain_text(re.compile(r"^21\u2013\d+ of \d+ entries$"))
    expect(log.get_by_role("row").nth(1)).not_to_contain_text(f"test.event-{PAGE_SIZE:02}")
    page.get_by_role("button", name="Previous").click()
    expect(pager).to_contain_text(re.compile(r"^1\u201320 of"))


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_console_fits_laptop_and_tablet_widths_with_long_emails(
    page: Page, context: BrowserContext, frontend_url: str, api_url: str, width: int
) -> None:
    from clawscale.domain.accounts.sessions import ADMIN_COOKIE

    long_admin = make_admin(
        f"a-very-long-administrator-address-{width}-{'x' * 60}@example-operations.test"
    )
    token = admin_session_token(long_admin)
    context.add_cookies([{"name": ADMIN_COOKIE, "value": token, "url": api_url}])
    page.set_viewport_size({"width": width, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(frontend_url + "/admin/admins")
    expect(turn_to(page, long_admin.email)).to_contain_text("You")
    expect(page.get_by_role("banner")).to_contain_text(long_admin.email)
    expect(page.get_by_role("navigation").get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS / f"admin-admins-{width}.png", full_page=True)

    page.goto(frontend_url + "/admin/audit")
    expect(page.get_by_role("table", name="Audit log")).to_be_visible()
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS / f"admin-audit-{width}.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin sign in")
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS / f"admin-login-{width}.png", full_page=True)
