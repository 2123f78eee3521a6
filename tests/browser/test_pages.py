"""What a person sees on the landing page and on every page of the site, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from clawscale.components.catalogue import PageSpec, Section
from clawscale.pages import site_pages
from clawscale.settings import Environment, Settings

pytestmark = pytest.mark.browser

DEVELOPMENT = Settings(_env_file=None, CLAWSCALE_ENV=Environment.DEVELOPMENT)
PRODUCTION = Settings(_env_file=None, CLAWSCALE_ENV=Environment.PRODUCTION)
ALL_SPECS = [page.spec for page in site_pages(DEVELOPMENT)]


def visit_as_needed(request: pytest.FixtureRequest, spec: PageSpec) -> None:
    """Customer pages are for signed-in customers and console pages for signed-in admins:
    sign the test's browser in for them."""
    if spec.section is Section.CUSTOMER:
        request.getfixturevalue("signed_in")
    if spec.section is Section.ADMIN:
        request.getfixturevalue("signed_in_admin")


def test_the_development_mailbox_exists_only_in_development() -> None:
    def routes(settings: Settings) -> set[str]:
        return {page.spec.route for page in site_pages(settings)}

    assert "/dev/mailbox" in routes(DEVELOPMENT)
    assert routes(DEVELOPMENT) - routes(PRODUCTION) == {"/dev/mailbox"}


def test_landing_page_pitches_the_product_and_offers_two_ways_in(
    page: Page, frontend_url: str
) -> None:
    page.goto(frontend_url + "/")

    expect(page).to_have_title(re.compile("ClawScale"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your AI agent")
    expect(page.get_by_role("banner")).to_contain_text("ClawScale")
    main = page.get_by_role("main")
    expect(main).to_contain_text("personal WeChat")
    for channel in ("WhatsApp", "Telegram", "iMessage"):
        expect(main).to_contain_text(channel)
    expect(main.get_by_role("heading", level=3)).to_have_count(3)

    create_account = main.get_by_role("link", name="Create account", exact=True)
    sign_in = main.get_by_role("link", name="Sign in", exact=True)
    expect(create_account).to_have_attribute("href", "/auth/register")
    expect(sign_in).to_have_attribute("href", "/auth/login")

    sign_in.click()
    expect(page).to_have_url(frontend_url + "/auth/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_admin_navigation_lists_the_admin_pages(
    page: Page, frontend_url: str, signed_in_admin: object
) -> None:
    page.goto(frontend_url + "/admin/deliveries")

    nav = page.get_by_role("navigation")
    for title in ("Agents", "Customers", "Shared channels", "Deliveries", "Admins"):
        expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()


def test_signed_out_visitors_are_offered_sign_in_and_sign_up(page: Page, frontend_url: str) -> None:
    page.goto(frontend_url + "/auth/forgot-password")

    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link")).to_have_text(["Sign in", "Create account"])


def test_signed_in_customers_see_their_workspace_navigation(
    page: Page, frontend_url: str, signed_in: object
) -> None:
    page.goto(frontend_url + "/")

    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link")).to_have_text(
        ["Channels", "Personal WeChat", "Billing", "Account"]
    )
    nav.get_by_role("link", name="Channels", exact=True).click()
    expect(page).to_have_url(frontend_url + "/channels")
    expect(page.get_by_role("heading", level=1)).to_have_text("Channels")


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[spec.route for spec in ALL_SPECS])
def test_every_page_renders_its_title(
    page: Page, frontend_url: str, spec: PageSpec, request: pytest.FixtureRequest
) -> None:
    visit_as_needed(request, spec)

    page.goto(frontend_url + spec.route)

    expect(page).to_have_url(frontend_url + spec.route)
    expect(page.get_by_role("heading", level=1)).to_have_text(spec.title)
