"""The customer sign-in pages in a real browser: register, verify by the mailed link, sign in
and out, the guard of signed-in pages, wrong passwords, taken emails, resets and claims, and the
sign-in limit per (address, email) behind a trusted proxy."""

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, Person, app_environment, fill, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new password"


def follow_mailed_link(page: Page, frontend_url: str, recipient: str, subject: str) -> str:
    """Open the newest email to `recipient` in the development mailbox, click its link, and
    wait for the page it leads to; that page's URL."""
    page.goto(frontend_url + "/dev/mailbox")
    mail = page.get_by_role("article").filter(has_text=recipient).first
    expect(mail.get_by_role("heading")).to_have_text(subject)
    link = mail.get_by_role("link")
    href = link.get_attribute("href")
    assert href is not None and href.startswith(frontend_url + "/auth/")
    link.click()
    expect(page).to_have_url(href)
    return href


def test_register_verify_sign_out_and_back_in(
    page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    email = new_email("ada")
    page.goto(frontend_url + "/auth/register")
    fill(page, {"Your name": "Ada Lovelace", "Email": email, "Password": PASSWORD})
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(frontend_url + "/account")
    expect(page.get_by_text(f"We sent a verification link to {email}")).to_be_visible()
    expect(page.get_by_text("Not verified")).to_be_visible()

    verify_url = follow_mailed_link(page, frontend_url, email, "Verify your email")
    assert verify_url.startswith(frontend_url + "/auth/verify-email?")
    expect(page.get_by_text("Your email address is verified.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Your email address is verified.")).to_be_visible()
    page.get_by_role("link", name="Go to your account").click()

    expect(page).to_have_url(frontend_url + "/account")
    main = page.get_by_role("main")
    expect(main.get_by_text("Verified", exact=True)).to_be_visible()
    expect(main).not_to_contain_text("We sent a verification link")
    expect(main).to_contain_text("Ada Lovelace")
    expect(main).to_contain_text(email)
    expect(main).to_contain_text(re.compile(r"ck_\w+"))
    expect(main).to_contain_text("Account claimActive")
    expect(main).to_contain_text(re.compile(r"Until\w+ \d{1,2}, \d{4} at \d\d:\d\d UTC"))

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(frontend_url + "/auth/login")
    page.goto(frontend_url + "/account")
    expect(page).to_have_url(frontend_url + "/auth/login?next=" + quote("/account", safe=""))

    sign_in(page, email.upper(), PASSWORD)
    expect(page).to_have_url(frontend_url + "/account")
    expect(page.get_by_role("main")).to_contain_text("Ada Lovelace")


def test_signed_out_visitors_of_the_account_are_sent_to_sign_in(
    page: Page, frontend_url: str
) -> None:
    page.goto(frontend_url + "/account")

    expect(page).to_have_url(frontend_url + "/auth/login?next=%2Faccount")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("main")).not_to_contain_text("Customer ID")


def test_wrong_password_and_empty_fields_are_explained(
    page: Page, frontend_url: str, customer: Person
) -> None:
    page.goto(frontend_url + "/auth/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email address")).to_be_visible()
    expect(page.get_by_text("Enter your password")).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")

    sign_in(page, customer.email, "not the password")

    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    expect(page).to_have_url(frontend_url + "/auth/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()


def test_register_explains_short_passwords_and_taken_emails(
    page: Page, frontend_url: str, customer: Person
) -> None:
    page.goto(frontend_url + "/auth/register")
    fill(page, {"Your name": "Someone", "Email": "not-an-email", "Password": "short"})
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter an email address like name@example.com")).to_be_visible()
    expect(page.get_by_text("Use at least 8 characters")).to_be_visible()

    fill(page, {"Email": customer.email.upper(), "Password": PASSWORD})
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("That email is already registered — sign in instead.")).to_be_visible()
    expect(page.get_by_text("Use at least 8 characters")).to_be_hidden()
    expect(page).to_have_url(frontend_url + "/auth/register")


def test_reset_password_with_the_mailed_link(
    page: Page, frontend_url: str, customer: Person
) -> None:
    page.goto(frontend_url + "/auth/forgot-password")
    fill(page, {"Email": customer.email})
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses that address")

    reset_url = follow_mailed_link(page, frontend_url, customer.email, "Reset your password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset password")
    fill(page, {"New password": NEW_PASSWORD, "Repeat the new password": "something else"})
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("The passwords don't match")).to_be_visible()

    fill(page, {"Repeat the new password": NEW_PASSWORD})
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()

    page.get_by_role("link", name="Sign in", exact=True).first.click()
    sign_in(page, customer.email, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    sign_in(page, customer.email, NEW_PASSWORD)
    expect(page).to_have_url(frontend_url + "/account")

    # A new tab: this tab's page state still holds the first reset's success, which the load of
    # the page replaces with a fresh form, possibly after the fields below were typed in.
    again = page.context.new_page()
    again.goto(reset_url)
    fill(again, {"New password": "yet another one", "Repeat the new password": "yet another one"})
    again.get_by_role("button", name="Set new password").click()
    expect(again.get_by_role("alert")).to_have_text("This link is invalid or has expired.")


def test_a_broken_verification_link_offers_a_new_one(
    page: Page, frontend_url: str, customer: Person
) -> None:
    page.goto(
        f"{frontend_url}/auth/verify-email?email={quote(customer.email)}&token=not-a-real-token"
    )

    expect(page.get_by_role("alert")).to_have_text("This link is invalid or has expired.")
    expect(page.get_by_label("Email", exact=True)).to_have_value(customer.email)
    page.get_by_role("button", name="Send a new link").click()
    expect(page.get_by_role("status")).to_contain_text("we've sent it a new link")


def test_claim_sets_a_password_and_signs_in(
    page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.accounts.customers import claim_entry_token, request_claim
    from clawscale.models import ClaimStatus, Customer, Identity, Membership
    from clawscale.settings import get_settings

    email = new_email("chat")
    with session_scope(get_engine()) as db:
        identity = Identity(display_name="Chat user", claim_status=ClaimStatus.UNCLAIMED)
        customer = Customer(display_name="Chat user")
        db.add_all([identity, customer])
        db.flush()
        db.add(Membership(identity_id=identity.id, customer_id=customer.id))
        entry = claim_entry_token(get_settings(), identity.id)
        request_claim(db, get_settings(), entry, email, "/account")

    follow_mailed_link(page, frontend_url, email, "Claim your account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your account")
    fill(page, {"New password": "short", "Repeat the new password": "short"})
    page.get_by_role("button", name="Claim account").click()
    expect(page.get_by_text("Use at least 8 characters")).to_be_visible()

    fill(page, {"New password": NEW_PASSWORD, "Repeat the new password": NEW_PASSWORD})
    page.get_by_role("button", name="Claim account").click()

    expect(page).to_have_url(frontend_url + "/account")
    expect(page.get_by_role("main")).to_contain_text(email)
    expect(page.get_by_role("main")).to_contain_text("Account claimActive")


def test_signed_in_visitors_skip_the_sign_in_pages(
    page: Page, frontend_url: str, signed_in: Person
) -> None:
    page.goto(frontend_url + "/auth/register")
    expect(page).to_have_url(frontend_url + "/account")

    page.goto(frontend_url + "/auth/login?next=%2Fauth%2Flogin")
    expect(page).to_have_url(frontend_url + "/account")

    page.goto(frontend_url + "/auth/login?next=%2Fchannels")
    expect(page).to_have_url(frontend_url + "/channels")


def browsing_from(browser: Browser, address: str) -> Page:
    """A page in a fresh profile whose requests (its websocket too) arrive through a proxy on
    127.0.0.1 saying they come from `address`."""
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": address})
    context.set_default_timeout(15_000)
    return context.new_page()


def test_behind_a_trusted_proxy_a_stranger_is_stopped_and_the_owner_still_signs_in(
    browser: Browser, frontend_url: str, customer: Person
) -> None:
    from clawscale.domain.rate_limits import shared_sign_in_limiter

    with app_environment(TRUSTED_PROXIES="127.0.0.1", AUTH_RATE_LIMIT_PER_IP_EMAIL="3/minute"):
        shared_sign_in_limiter.cache_clear()
        stranger = browsing_from(browser, "203.0.113.9")
        owner = browsing_from(browser, "198.51.100.7")
        try:
            stranger.goto(frontend_url + "/auth/login")
            for _ in range(3):
                sign_in(stranger, customer.email, "not the password")
            sign_in(stranger, customer.email, customer.password)
            alert = stranger.get_by_role("alert")
            expect(alert).to_have_text("Too many attempts. Wait a minute, then try again.")

            owner.goto(frontend_url + "/auth/login")
            sign_in(owner, customer.email, customer.password)
            expect(owner).to_have_url(frontend_url + "/account")
        finally:
            stranger.context.close()
            owner.context.close()
            shared_sign_in_limiter.cache_clear()
