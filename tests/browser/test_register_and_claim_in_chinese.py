"""Registering and claiming in a Chinese browser: the pages speak Chinese (form problems too),
the mail they send is Chinese and leads on, and the account keeps Chinese for its email;
screenshots of the sign-up and claim pages in both languages at both widths."""

# The Chinese the pages and mail show is written with full-width punctuation.
# ruff: noqa: RUF001

from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Person, fill, wait_for
from tests.browser.languages import english_words, screenshots

pytestmark = pytest.mark.browser

CHINESE_NAME = "李雷"


def identity_facts(email: str) -> tuple[str | None, str, bool]:
    """The locale, claim status and whether the email is verified, of the identity of `email`."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import Identity

    with session_scope(get_engine()) as db:
        identity = db.exec(select(Identity).where(Identity.email == email)).one()
        return identity.locale, identity.claim_status, identity.email_verified_at is not None


def newest_mail(email: str) -> tuple[str, str]:
    """The subject and text of the newest email to `email`."""
    from sqlmodel import col, select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import EmailMessage

    with session_scope(get_engine()) as db:
        mail = db.exec(
            select(EmailMessage)
            .where(EmailMessage.recipient == email)
            .order_by(col(EmailMessage.created_at).desc())
        ).first()
        assert mail is not None
        return mail.subject, mail.text


def chat_made_entry() -> str:
    """The claim-entry token of a new unclaimed identity, as chat makes one."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import claim_entry_token
    from clawscale.models import ClaimStatus, Customer, Identity, Membership
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        identity = Identity(display_name=CHINESE_NAME, claim_status=ClaimStatus.UNCLAIMED)
        customer = Customer(display_name=CHINESE_NAME)
        db.add_all([identity, customer])
        db.flush()
        db.add(Membership(identity_id=identity.id, customer_id=customer.id))
        return claim_entry_token(get_settings(), identity.id)


def follow_mail_in_mailbox(page: Page, frontend_url: str, recipient: str, subject: str) -> None:
    """Open the newest email to `recipient` in the development mailbox and click its link."""
    page.goto(frontend_url + "/dev/mailbox")
    mail = page.get_by_role("article").filter(has_text=recipient).first
    expect(mail.get_by_role("heading")).to_have_text(subject)
    expect(mail).not_to_contain_text("Hello")
    link = mail.get_by_role("link")
    href = link.get_attribute("href")
    assert href is not None and href.startswith(frontend_url + "/auth/")
    link.click()
    expect(page).to_have_url(href)


def test_registering_in_chinese_mails_in_chinese(
    chinese_page: Page, frontend_url: str, new_email: Callable[[str], str], customer: Person
) -> None:
    page, email = chinese_page, new_email("lilei")
    page.goto(frontend_url + "/auth/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("注册")
    expect(page.get_by_text("已有账号？")).to_be_visible()
    assert english_words(page) == []
    screenshots(page, "register")

    create = page.get_by_role("button", name="注册", exact=True)
    fill(page, {"邮箱": customer.email, "密码": "short"})
    create.click()
    expect(page.get_by_text("请输入你的名字")).to_be_visible()
    expect(page.get_by_text("至少需要 8 个字符")).to_be_visible()
    assert english_words(page) == []
    fill(page, {"你的名字": CHINESE_NAME, "密码": PASSWORD})
    create.click()
    expect(page.get_by_text("该邮箱已注册，请直接登录。")).to_be_visible()
    assert english_words(page) == []
    screenshots(page, "register-problems")

    fill(page, {"邮箱": email})
    create.click()
    expect(page).to_have_url(frontend_url + "/account")
    assert identity_facts(email) == ("zh_Hans", "pending", False)
    subject, text = newest_mail(email)
    assert subject == "验证邮箱"
    assert text.startswith(f"{CHINESE_NAME}，你好：")
    assert "15 分钟内有效" in text

    follow_mail_in_mailbox(page, frontend_url, email, "验证邮箱")
    wait_for(lambda: identity_facts(email)[2])


def test_the_claim_entry_page_in_chinese_mails_a_chinese_claim_link(
    chinese_page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    page, email = chinese_page, new_email("claim")
    page.goto(f"{frontend_url}/auth/claim-entry?entry={quote(chat_made_entry())}&next=%2Faccount")
    expect(page.get_by_role("heading", level=1)).to_have_text("认领账号")
    assert english_words(page) == []
    screenshots(page, "claim-entry")

    send = page.get_by_role("button", name="发送认领链接")
    send.click()
    expect(page.get_by_text("请输入邮箱地址")).to_be_visible()
    fill(page, {"邮箱": "not-an-email"})
    send.click()
    expect(page.get_by_text("请输入有效的邮箱地址，例如 name@example.com")).to_be_visible()
    assert english_words(page) == []

    fill(page, {"邮箱": email})
    send.click()
    expect(page.get_by_role("heading", name="请查收邮件")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"我们已向 {email} 发送了一个链接")
    assert english_words(page) == []
    screenshots(page, "claim-entry-sent")
    assert identity_facts(email)[0] == "zh_Hans"
    subject, text = newest_mail(email)
    assert subject == "认领账号"
    assert "/auth/claim?token=" in text

    follow_mail_in_mailbox(page, frontend_url, email, "认领账号")
    expect(page.get_by_role("heading", level=1)).to_have_text("认领账号")
    screenshots(page, "claim")
    for field in ("password", "confirmation"):
        page.locator(f"input[name={field}]").fill(PASSWORD)
    page.get_by_role("button", name="认领账号").click()
    expect(page).to_have_url(frontend_url + "/account")
    assert identity_facts(email)[:2] == ("zh_Hans", "active")


def test_a_claim_entry_link_without_its_token_says_so_in_chinese(
    chinese_page: Page, frontend_url: str
) -> None:
    chinese_page.goto(frontend_url + "/auth/claim-entry")
    expect(chinese_page.get_by_role("alert")).to_have_text(
        "此链接无效或已过期。请在聊天中让智能体发一个新链接，再继续操作。"
    )
    assert english_words(chinese_page) == []


def test_the_sign_up_and_claim_pages_in_english(page: Page, frontend_url: str) -> None:
    page.goto(frontend_url + "/auth/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create account")
    expect(page.get_by_text("At least 8 characters.")).to_be_visible()
    screenshots(page, "register")

    page.goto(f"{frontend_url}/auth/claim-entry?entry={quote(chat_made_entry())}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your account")
    expect(page.get_by_role("button", name="Email me a claim link")).to_be_visible()
    screenshots(page, "claim-entry")

    page.goto(frontend_url + "/auth/claim?token=not-a-real-token")
    expect(page.get_by_role("button", name="Claim account")).to_be_visible()
    screenshots(page, "claim")
