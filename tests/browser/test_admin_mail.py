"""`/admin/mail` in a browser: outgoing email by state without its body, the warning while the
gateway sends no mail, and Resend (confirmed, audited) handing an email to the mail worker, which
sends it through a fake Resend; in English and in Chinese, at a laptop's and a phone's width.

The app runs without a Resend key, so its own mail worker claims nothing; a test that resends
gives the app's pages a key (`app_environment`) and runs a mail worker of its own against the
app's database."""

# The Chinese the pages show is written with full-width punctuation.
# ruff: noqa: RUF001

import asyncio
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import AdminLogin, app_environment, warm_up
from tests.browser.languages import WORD, english_words, screenshots
from tests.fakes.resend import FakeResend, fake_resend

pytestmark = pytest.mark.browser
MAIL_OFF = "This gateway is not sending email"
LINK = "https://example.test/auth/verify-email?token=never-shown"


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The page built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, ("/admin/mail",))


@pytest.fixture
def resend() -> Iterator[FakeResend]:
    """A fake Resend the app's pages send through during the test."""
    with (
        fake_resend() as fake,
        app_environment(RESEND_API_KEY=fake.api_key, RESEND_API_BASE_URL=fake.url),
    ):
        yield fake


def write_mail(recipient: str, subject: str, status: str) -> str:
    """An email written by the app, then in `status` (kept: never sent; dead: the mail worker
    gave up after its last attempt); its id."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.mail.queue import queue_mail
    from clawscale.models import EmailStatus
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        message = queue_mail(db, get_settings(), recipient, subject, f"Open {LINK}")
        message.status = EmailStatus(status)
        message.attempts = 8 if status == "dead" else 0
        db.add(message)
        return message.id


def send_due_mail(resend: FakeResend) -> None:
    """What a mail worker with the fake Resend's key does with the due emails."""
    from clawscale.db import get_engine
    from clawscale.settings import Settings
    from clawscale.workers.mail import MailWorker

    settings = Settings(RESEND_API_KEY=resend.api_key, RESEND_API_BASE_URL=resend.url)

    async def one_pass() -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            return await MailWorker(get_engine(), settings).run_once(client)

    with ThreadPoolExecutor(1) as thread:  # Playwright's event loop runs in this thread
        assert thread.submit(asyncio.run, one_pass()).result() >= 1


def audited_resends(mail_id: str) -> int:
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import AuditLog

    with session_scope(get_engine()) as db:
        query = select(AuditLog).where(
            AuditLog.action == "mail.resend", AuditLog.target_id == mail_id
        )
        return len(db.exec(query).all())


def mail_row(page: Page, mail_id: str) -> Locator:
    return page.locator(f'tr[data-mail="{mail_id}"]')


def english_outside_subjects(page: Page) -> list[str]:
    """The page's English words but those of emails' subjects (data: other tests' emails are
    in English)."""
    subjects = page.locator("tbody td:nth-child(3)").all_inner_texts()
    data = set(WORD.findall(" ".join(subjects)))
    return [word for word in english_words(page) if word not in data]


def resend_and_confirm(
    page: Page, row: Locator, buttons: tuple[str, str], answers: tuple[str, str]
) -> None:
    """Click the row's Resend and the confirmation's button (`buttons`, in the page's
    language); the page answers with the notice and the row's new state of `answers`."""
    resend_button, confirm_button = buttons
    notice, state = answers
    row.get_by_role("button", name=resend_button).click()
    page.get_by_role("alertdialog").get_by_role("button", name=confirm_button).click()
    expect(page.get_by_role("status").filter(has_text=notice)).to_be_visible()
    expect(row).to_contain_text(state)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_unsent_mail_is_listed_without_its_body_and_the_page_warns_that_none_is_sent(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    tag = secrets.token_hex(3)
    kept_id = write_mail(f"kept-{tag}@example.com", f"Verify your email {tag}", "kept")
    page.goto(frontend_url + "/admin/mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail")
    expect(page.get_by_role("alert").filter(has_text=MAIL_OFF)).to_be_visible()
    row = mail_row(page, kept_id)
    expect(row).to_contain_text(f"kept-{tag}@example.com")
    expect(row).to_contain_text(f"Verify your email {tag}")
    expect(row).to_contain_text("Kept, not sent")
    expect(row.get_by_role("button", name="Resend")).to_have_count(0)
    assert "never-shown" not in page.content()
    assert "example.test" not in page.locator("main").inner_text()
    screenshots(page, "admin-mail-off")


def test_an_admin_resends_a_dead_email_and_the_worker_sends_it(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, resend: FakeResend
) -> None:
    tag = secrets.token_hex(3)
    recipient = f"dead-{tag}@example.com"
    dead_id = write_mail(recipient, f"Reset your password {tag}", "dead")
    page.goto(frontend_url + "/admin/mail")
    row = mail_row(page, dead_id)
    expect(row).to_contain_text("Dead")
    expect(page.get_by_text(MAIL_OFF)).to_have_count(0)
    screenshots(page, "admin-mail")

    resend_and_confirm(
        page,
        row,
        (f"Resend the email to {recipient}", "Resend email"),
        ("The email is queued again", "Pending"),
    )
    assert audited_resends(dead_id) == 1

    send_due_mail(resend)
    [sent] = resend.emails_to(recipient)
    assert sent["subject"] == f"Reset your password {tag}"
    choose(page, "State", "Every state")
    expect(row).to_contain_text("Sent")
    expect(row.get_by_role("button", name="Resend")).to_have_count(0)
    assert "never-shown" not in page.content()


def test_the_mail_page_in_chinese_resends_then_switches_to_english(
    chinese_page: Page,
    chinese_context: BrowserContext,
    frontend_url: str,
    admin: AdminLogin,
    api_url: str,
    resend: FakeResend,
) -> None:
    from clawscale.domain.accounts.sessions import ADMIN_COOKIE
    from tests.browser.conftest import admin_session_token

    chinese_context.add_cookies(
        [
            {
                "name": ADMIN_COOKIE,
                "value": admin_session_token(admin),
                "url": api_url,
                "httpOnly": True,
            }
        ]
    )
    tag = f"{secrets.randbelow(10**6):06d}"
    recipient = f"zh{tag}@example.com"
    kept_id = write_mail(recipient, f"验证您的邮箱 {tag}", "kept")
    page = chinese_page
    page.goto(frontend_url + "/admin/mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("邮件")
    row = mail_row(page, kept_id)
    expect(row).to_contain_text("已保留，未发送")
    assert english_outside_subjects(page) == []
    screenshots(page, "admin-mail")

    resend_and_confirm(
        page, row, (f"重新发送给 {recipient} 的邮件", "重新发送邮件"), ("邮件已重新排队", "等待中")
    )
    assert audited_resends(kept_id) == 1

    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail")
    expect(row).to_contain_text("Pending")
    screenshots(page, "admin-mail")
