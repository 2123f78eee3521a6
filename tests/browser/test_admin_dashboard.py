"""The admin console's operations pages in a real browser, against rows seeded straight into
the harness's database: deliveries (filter, time range, keyset pages, attempts, retry without a
reload), customers, channels (disconnect after a confirmation, without a reload), tables sorted
by clicking a column header.

Screenshots of each page at laptop and tablet widths go to `test-results/screenshots/`.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import select

from clawscale.state.admin.pagination import PAGE_SIZE
from tests.browser.conftest import AdminLogin, warm_up
from tests.browser.test_admin_pages import SCREENSHOTS, WIDTHS, fits_the_window
from tests.processes import wait_until

pytestmark = pytest.mark.browser

DEAD_ROWS = PAGE_SIZE + 2
LONG = "x" * 80
ROUTES = ("/admin", "/admin/deliveries", "/admin/customers", "/admin/channels", "/admin/agents")


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, ROUTES)


@dataclass(frozen=True)
class Seeded:
    """One customer's channel and deliveries, made for one test."""

    customer_id: str
    customer_name: str
    channel_id: str
    with_attempts: str
    dead_ids: list[str]


def seed_outbox(tag: str) -> Seeded:
    """A customer (with a long name), its channel, PAGE_SIZE + 2 dead deliveries (the newest
    tried twice) and one that succeeded."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import (
        Channel,
        ChannelStatus,
        Customer,
        DeliveryAttempt,
        DeliveryStatus,
        OutboundDelivery,
    )
    from clawscale.models.base import utcnow

    start = utcnow() - timedelta(hours=2)
    with session_scope(get_engine()) as db:
        customer = Customer(display_name=f"Outbox customer {tag} {LONG}")
        db.add(customer)
        db.flush()
        channel = Channel(
            kind="telegram",
            owner_customer_id=customer.id,
            name=f"Support bot {tag}",
            status=ChannelStatus.CONNECTED,
        )
        db.add(channel)
        db.flush()

        def delivery(number: int, status: DeliveryStatus) -> OutboundDelivery:
            row = OutboundDelivery(
                idempotency_key=f"{tag}-{number}",
                payload={"text": f"hello {number}"},
                payload_hash="h",
                customer_id=customer.id,
                business_conversation_key="conv",
                channel_id=channel.id,
                target="end-user-1",
                status=status,
                attempts=2,
                error=f"provider said no ({number}) {LONG}",
                created_at=start + timedelta(minutes=number),
            )
            db.add(row)
            return row

        dead = [delivery(number, DeliveryStatus.DEAD) for number in range(DEAD_ROWS)]
        delivery(DEAD_ROWS, DeliveryStatus.SUCCEEDED)
        db.flush()
        newest = dead[-1]
        for number in (1, 2):
            db.add(
                DeliveryAttempt(
                    delivery_id=newest.id,
                    attempt_number=number,
                    finished_at=start,
                    error=f"timeout on try {number}",
                )
            )
        return Seeded(
            customer.id,
            customer.display_name,
            channel.id,
            newest.id,
            [row.id for row in reversed(dead)],
        )


@pytest.fixture
def outbox(app_harness: object) -> Seeded:
    """This test's customer, channel and deliveries."""
    return seed_outbox(secrets.token_hex(3))


def screenshot(page: Page, name: str) -> None:
    """Keep the page as `test-results/screenshots/<name>.png`; check it fits the window."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` of the labelled select."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def delivery_row(page: Page, delivery_id: str) -> Locator:
    """The deliveries table's row of one delivery."""
    return page.locator(f'tr[data-delivery="{delivery_id}"]')


def show_customer_deliveries(page: Page, frontend_url: str, outbox: Seeded) -> Locator:
    """Open the deliveries page and filter by the seeded customer; the pager's status."""
    page.goto(frontend_url + "/admin/deliveries")
    expect(
        page.get_by_role("table", name="Deliveries").or_(
            page.get_by_role("heading", name="No deliveries match")
        )
    ).to_be_visible()
    page.get_by_label("Customer id").fill(outbox.customer_id)
    page.get_by_role("button", name="Apply").click()
    pager = page.get_by_role("status").filter(has_text=" deliveries")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {DEAD_ROWS} deliveries")
    return pager


def test_deliveries_filter_and_page_by_cursor(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, outbox: Seeded
) -> None:
    pager = show_customer_deliveries(page, frontend_url, outbox)
    expect(delivery_row(page, outbox.dead_ids[0])).to_contain_text("Dead")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()

    page.get_by_role("button", name="Next").click()
    expect(pager).to_have_text(f"21\N{EN DASH}{DEAD_ROWS} of {DEAD_ROWS} deliveries")
    expect(delivery_row(page, outbox.dead_ids[-1])).to_be_visible()
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {DEAD_ROWS} deliveries")
    expect(delivery_row(page, outbox.dead_ids[0])).to_be_visible()

    choose(page, "Status", "Every status")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {DEAD_ROWS + 1} deliveries")
    expect(page.get_by_role("table", name="Deliveries")).to_contain_text("Succeeded")
    choose(page, "Status", "Pending")
    expect(page.get_by_role("heading", name="No deliveries match")).to_be_visible()

    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_label("Customer id")).to_have_value("")
    row = delivery_row(page, outbox.dead_ids[0])
    row.get_by_role("link", name="Support bot").click()
    expect(page.get_by_label("Channel id")).to_have_value(outbox.channel_id)
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {DEAD_ROWS} deliveries")


def test_a_delivery_shows_every_attempt(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, outbox: Seeded
) -> None:
    show_customer_deliveries(page, frontend_url, outbox)

    row = delivery_row(page, outbox.with_attempts)
    row.get_by_role("button", name=f"Details of {outbox.with_attempts}").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Delivery {outbox.with_attempts}")
    attempts = dialog.get_by_role("table", name="Attempts").get_by_role("row")
    expect(attempts).to_have_count(3)
    expect(attempts.nth(1)).to_contain_text("timeout on try 1")
    expect(attempts.nth(2)).to_contain_text("timeout on try 2")
    expect(dialog).to_contain_text('"text": "hello')
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_retrying_a_dead_delivery_changes_it_in_place_and_is_audited(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, outbox: Seeded, width: int
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.models import AuditLog, OutboundDelivery

    page.set_viewport_size({"width": width, "height": 900})
    show_customer_deliveries(page, frontend_url, outbox)
    screenshot(page, f"admin-deliveries-{width}")
    page.evaluate("window.__stillTheSamePage = true")
    target = outbox.dead_ids[1]
    row = delivery_row(page, target)

    row.get_by_role("button", name=f"Retry {target}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("Dead")

    row.get_by_role("button", name=f"Retry {target}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Retry delivery").click()

    expect(row).to_contain_text("Pending")
    expect(row.get_by_role("button", name=f"Retry {target}")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="pending again")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage") is True
    with session_scope(get_engine()) as db:
        # the app's own dispatcher may already have tried it again: only the audit is stable
        assert db.get(OutboundDelivery, target) is not None
        entry = db.exec(select(AuditLog).where(AuditLog.target_id == target)).one()
        assert entry.action == "delivery.retry"
    screenshot(page, f"admin-deliveries-retried-{width}")


@dataclass(frozen=True)
class Directory:
    """Customers seeded for one test, all named with its tag."""

    tag: str
    featured_id: str
    featured_name: str
    chat_id: str


def seed_directory(tag: str) -> Directory:
    """PAGE_SIZE customers named "Directory <tag> n", and one more (featured: a long name, an
    unclaimed owner, a chat identity, a channel in error and a parked message)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import (
        Channel,
        ChannelStatus,
        ClaimStatus,
        Customer,
        ExternalIdentity,
        Identity,
        InboundEvent,
        InboundStatus,
        Membership,
    )
    from clawscale.models.base import utcnow

    start = utcnow() - timedelta(days=1)
    with session_scope(get_engine()) as db:
        for number in range(PAGE_SIZE):
            customer = Customer(
                display_name=f"Directory {tag} {number:02}",
                created_at=start + timedelta(minutes=number),
            )
            identity = Identity(
                email=f"dir-{tag}-{number}@example.com", claim_status=ClaimStatus.ACTIVE
            )
            db.add_all([customer, identity])
            db.flush()
            db.add(Membership(identity_id=identity.id, customer_id=customer.id))
        featured = Customer(display_name=f"Directory {tag} featured {LONG}")
        owner = Identity(email=f"featured-{tag}@example.com", claim_status=ClaimStatus.UNCLAIMED)
        db.add_all([featured, owner])
        db.flush()
        db.add(Membership(identity_id=owner.id, customer_id=featured.id))
        channel = Channel(
            kind="telegram",
            owner_customer_id=featured.id,
            name=f"Featured bot {tag}",
            status=ChannelStatus.ERROR,
            last_error="token revoked",
        )
        db.add(channel)
        db.flush()
        chat_id = f"chat-{tag}-4242"
        db.add(
            ExternalIdentity(
                provider="telegram",
                identity_type="user_id",
                identity_value=chat_id,
                customer_id=featured.id,
                first_seen_channel_id=channel.id,
            )
        )
        db.add(
            InboundEvent(
                channel_id=channel.id,
                provider_message_id=f"m-{tag}",
                customer_id=featured.id,
                payload={},
                status=InboundStatus.PARKED,
            )
        )
        return Directory(tag, featured.id, featured.display_name, chat_id)


@pytest.fixture
def directory(app_harness: object) -> Directory:
    """This test's customers."""
    return seed_directory(secrets.token_hex(3))


def customer_row(page: Page, customer_id: str) -> Locator:
    """The customers table's row of one customer."""
    return page.locator(f'tr[data-customer="{customer_id}"]')


def search_customers(page: Page, text: str) -> None:
    """Search the customers page."""
    page.get_by_label("Search").fill(text)
    page.get_by_role("button", name="Apply").click()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_customers_search_filter_page_and_detail(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, directory: Directory, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(frontend_url + "/admin/customers")
    expect(page.get_by_role("table", name="Customers")).to_be_visible()

    search_customers(page, f"Directory {directory.tag}")
    pager = page.get_by_role("status").filter(has_text=" customers")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {PAGE_SIZE + 1} customers")
    featured = customer_row(page, directory.featured_id)
    expect(featured).to_contain_text("Unclaimed")
    expect(featured).to_contain_text("1 error")
    screenshot(page, f"admin-customers-{width}")
    page.get_by_role("button", name="Next").click()
    expect(pager).to_have_text(f"21\N{EN DASH}21 of {PAGE_SIZE + 1} customers")
    page.get_by_role("button", name="Previous").click()
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {PAGE_SIZE + 1} customers")

    choose(page, "Claim status", "Unclaimed")
    expect(pager).to_have_text("1\N{EN DASH}1 of 1 customers")

    page.get_by_role("button", name="Clear").click()
    search_customers(page, f"dir-{directory.tag}-7@EXAMPLE.com")
    expect(pager).to_have_text("1\N{EN DASH}1 of 1 customers")
    expect(page.get_by_role("table", name="Customers")).to_contain_text(
        f"Directory {directory.tag} 07"
    )

    search_customers(page, directory.chat_id)
    expect(pager).to_have_text("1\N{EN DASH}1 of 1 customers")
    featured.get_by_role("button", name="Details").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(directory.featured_id)
    expect(dialog.get_by_role("table", name="Identities")).to_contain_text(directory.chat_id)
    channels = dialog.get_by_role("table", name="Customer channels")
    expect(channels).to_contain_text(f"Featured bot {directory.tag}")
    expect(channels).to_contain_text("Error")
    expect(dialog).to_contain_text("No agent")
    screenshot(page, f"admin-customer-detail-{width}")
    dialog.get_by_role("button", name="Close").click()

    search_customers(page, f"nobody-{directory.tag}")
    expect(page.get_by_role("heading", name="No customers match")).to_be_visible()


def figure(page: Page, label: str) -> Locator:
    """The headline figure named `label` on the overview."""
    return page.get_by_role("group", name=label, exact=True).get_by_label(label, exact=True)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_overview_refreshes_live_without_a_reload(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, outbox: Seeded, width: int
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Customer

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(frontend_url + "/admin")
    customers = figure(page, "Customers")
    expect(customers).to_have_text(re.compile(r"^\d+$"))
    last_day = page.get_by_role("group", name="Deliveries, last 24 hours")
    expect(last_day).to_contain_text(re.compile(r"Dead\s*\d+"))
    expect(
        page.get_by_role("group", name="Deliveries per hour").get_by_role("application")
    ).to_be_visible()
    expect(page.locator(".recharts-bar-rectangle").first).to_be_attached()
    screenshot(page, f"admin-overview-{width}")
    before = int(customers.inner_text())
    page.evaluate("window.__stillTheSamePage = true")

    with session_scope(get_engine()) as db:
        db.add(Customer(display_name="Arrived while watching"))

    expect(customers).to_have_text(str(before + 1), timeout=20_000)
    assert page.evaluate("window.__stillTheSamePage") is True

    page.get_by_role("navigation").get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliveries")


def seed_channels(tag: str) -> tuple[str, str]:
    """A kind of its own with PAGE_SIZE + 1 channels (the newest in error, with a long error),
    plus one connected; their ids (the erring one, the connected one)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Channel, ChannelStatus, Customer
    from clawscale.models.base import utcnow

    kind = f"kind-{tag}"
    now = utcnow()
    with session_scope(get_engine()) as db:
        owners = [Customer(display_name=f"Channel owner {tag} {n}") for n in range(PAGE_SIZE + 2)]
        db.add_all(owners)
        db.flush()
        channels = [
            Channel(
                kind=kind,
                owner_customer_id=owner.id,
                name=f"Line {tag} {number:02}",
                status=ChannelStatus.DISCONNECTED,
                last_activity_at=now - timedelta(minutes=number + 5),
            )
            for number, owner in enumerate(owners[:-1])
        ]
        channels[0].status = ChannelStatus.ERROR
        channels[0].last_error = f"the provider refused the token {LONG}"
        connected = Channel(
            kind=kind,
            owner_customer_id=owners[-1].id,
            name=f"Connected {tag} {LONG}",
            status=ChannelStatus.CONNECTED,
            last_activity_at=now,
        )
        db.add_all([*channels, connected])
        db.flush()
        return channels[0].id, connected.id


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_channels_filter_by_kind_and_state_and_page(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, width: int
) -> None:
    tag = secrets.token_hex(3)
    erring, connected = seed_channels(tag)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(frontend_url + "/admin/channels")
    expect(page.get_by_role("table", name="Channels")).to_be_visible()

    choose(page, "Kind", f"kind-{tag}")
    pager = page.get_by_role("status").filter(has_text=" channels")
    total = PAGE_SIZE + 2
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {total} channels")
    rows = page.get_by_role("table", name="Channels").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Connected")
    expect(page.locator(f'tr[data-channel="{erring}"]')).to_contain_text("refused the token")
    screenshot(page, f"admin-channels-{width}")
    page.get_by_role("button", name="Next").click()
    expect(pager).to_have_text(f"21\N{EN DASH}{total} of {total} channels")

    choose(page, "State", "Error")
    expect(pager).to_have_text("1\N{EN DASH}1 of 1 channels")
    expect(page.locator(f'tr[data-channel="{erring}"]')).to_contain_text("Error")
    choose(page, "State", "Archived")
    expect(page.get_by_role("heading", name="No channels match")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    expect(page.locator(f'tr[data-channel="{connected}"]')).to_be_visible()


def register_agent_form(
    page: Page,
    slug: str,
    name: str,
    endpoint: str,
    token: str,
    provisioning_url: str = "",
    reply_wait: str | None = None,
) -> None:
    """Fill in and submit the Register an agent form (the reply wait left as it stands unless
    given)."""
    form = page.locator("#add-agent-form")
    form.get_by_label("Slug", exact=True).fill(slug)
    form.get_by_label("Agent name", exact=True).fill(name)
    form.get_by_label("Endpoint", exact=True).fill(endpoint)
    form.get_by_label("Token", exact=True).fill(token)
    form.get_by_label("Provisioning URL", exact=True).fill(provisioning_url)
    if reply_wait is not None:
        form.get_by_label("Reply wait (seconds)", exact=True).fill(reply_wait)
    form.get_by_role("button", name="Register agent").click()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_agents_register_with_a_write_only_token_and_become_default(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, width: int
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Agent, AuditLog

    tag = secrets.token_hex(3)
    slug, name, secret = f"agent-{tag}", f"0 Agent {tag}", f"secret-token-{tag}"
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(frontend_url + "/admin/agents")

    form = page.locator("#add-agent-form")
    expect(form.get_by_label("Reply wait (seconds)", exact=True)).to_have_value("120")
    register_agent_form(page, "Not A Slug", "", "ftp://nowhere", "", "agent.example.test", "0")
    expect(page.get_by_text("Use lowercase letters")).to_be_visible()
    expect(page.get_by_text("Enter a name")).to_be_visible()
    expect(page.locator("#field-endpoint-problem")).to_have_text(
        "Enter an absolute http(s) URL, like https://agent.example.com/inbound."
    )
    expect(page.locator("#field-provisioning_url-problem")).to_have_text(
        "Enter an absolute http(s) URL, or leave it empty when none is needed."
    )
    expect(form.get_by_label("Provisioning URL", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("#field-forward_timeout_seconds-problem")).to_have_text(
        "Enter a whole number of seconds from 1 to 600."
    )

    register_agent_form(
        page, slug, name, "https://agent.example.test/inbound", "", "ftp://provision.test", "90"
    )
    expect(page.locator("#field-provisioning_url-problem")).to_be_visible()
    expect(page.locator("#field-endpoint-problem")).to_be_hidden()
    expect(page.locator("#field-forward_timeout_seconds-problem")).to_be_hidden()
    with session_scope(get_engine()) as db:
        assert db.exec(select(Agent).where(Agent.slug == slug)).first() is None

    provisioning_url = f"https://provision-{tag}.example.test/customers"
    register_agent_form(
        page, slug, name, "https://agent.example.test/inbound", secret, provisioning_url, "90"
    )
    expect(page.get_by_role("status").filter(has_text=f"Registered {name}.")).to_be_visible()
    row = page.locator(f'tr[data-agent="{slug}"]')
    expect(row).to_contain_text("Configured")
    provisioning = row.locator("td").nth(1)
    expect(provisioning).to_contain_text(f"provision-{tag}.example.test")
    expect(provisioning).to_contain_text("Reply wait 90 s")
    assert secret not in page.content()
    expect(form.get_by_label("Token", exact=True)).to_have_value("")
    expect(form.get_by_label("Provisioning URL", exact=True)).to_have_value("")
    expect(form.get_by_label("Reply wait (seconds)", exact=True)).to_have_value("120")
    with session_scope(get_engine()) as db:
        agent = db.exec(select(Agent).where(Agent.slug == slug)).one()
        assert (agent.provisioning_url, agent.forward_timeout_seconds) == (provisioning_url, 90)

    plain_slug = f"plain-{tag}"
    register_agent_form(page, plain_slug, f"1 Plain {tag}", "https://plain.example.test/in", "")
    plain_row = page.locator(f'tr[data-agent="{plain_slug}"]')
    expect(plain_row.locator("td").nth(1)).to_contain_text("none")
    expect(plain_row.locator("td").nth(1)).to_contain_text("Reply wait 120 s")
    with session_scope(get_engine()) as db:
        plain = db.exec(select(Agent).where(Agent.slug == plain_slug)).one()
        assert (plain.provisioning_url, plain.forward_timeout_seconds) == (None, 120)

    register_agent_form(page, slug, name, "https://agent.example.test/inbound", "")
    expect(page.get_by_text("Another agent already uses this slug.")).to_be_visible()

    row.get_by_role("button", name=f"Make {name} default").click()
    expect(row).to_contain_text("Default")
    expect(page.get_by_role("status").filter(has_text="is now the default")).to_be_visible()
    screenshot(page, f"admin-agents-{width}")
    if width >= WIDTHS["laptop"]:  # the new columns must not push Edit out of sight
        expect(row.get_by_role("button", name=f"Edit {name}")).to_be_in_viewport(ratio=1)
    with session_scope(get_engine()) as db:
        agent = db.exec(select(Agent).where(Agent.slug == slug)).one()
        assert agent.is_default and secret not in agent.token_encrypted
        actions = db.exec(select(AuditLog.action).where(AuditLog.target_id == agent.id)).all()
        assert sorted(actions) == ["agent.create", "agent.update"]

    row.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog")
    provisioning_field = dialog.get_by_label("Provisioning URL", exact=True)
    reply_wait_field = dialog.get_by_label("Reply wait (seconds)", exact=True)
    expect(provisioning_field).to_have_value(provisioning_url)
    expect(reply_wait_field).to_have_value("90")
    provisioning_field.fill("provision.example.test/customers")
    reply_wait_field.fill("601")
    dialog.get_by_role("button", name="Save agent").click()
    expect(dialog.locator("#field-edit_provisioning_url-problem")).to_have_text(
        "Enter an absolute http(s) URL, or leave it empty when none is needed."
    )
    expect(dialog.locator("#field-edit_forward_timeout_seconds-problem")).to_be_visible()
    provisioning_field.fill("")
    reply_wait_field.fill("300")
    dialog.get_by_role("button", name="Save agent").click()
    expect(dialog).to_be_hidden()
    expect(provisioning).to_contain_text("none")
    expect(provisioning).to_contain_text("Reply wait 300 s")
    with session_scope(get_engine()) as db:
        agent = db.exec(select(Agent).where(Agent.slug == slug)).one()
        assert (agent.provisioning_url, agent.forward_timeout_seconds) == (None, 300)
        updates = db.exec(
            select(AuditLog.details).where(
                AuditLog.target_id == agent.id, AuditLog.action == "agent.update"
            )
        ).all()
        edited = {"fields": ["endpoint", "forward_timeout_seconds", "name", "provisioning_url"]}
        assert sorted(updates, key=str) == sorted([{"fields": ["is_default"]}, edited], key=str)


def header(page: Page, table: str, column: str) -> Locator:
    """The header cell of `column` in the table named `table`."""
    return page.get_by_role("table", name=table).get_by_role("columnheader", name=column)


def first_row(page: Page, table: str) -> Locator:
    """The first row of the table's body."""
    return page.get_by_role("table", name=table).locator("tbody tr").first


def test_sorting_customers_by_a_header_keeps_the_order_across_pages(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, directory: Directory
) -> None:
    page.goto(frontend_url + "/admin/customers")
    search_customers(page, f"Directory {directory.tag}")
    pager = page.get_by_role("status").filter(has_text=" customers")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {PAGE_SIZE + 1} customers")
    created = header(page, "Customers", "Created (UTC)")
    expect(created).to_have_attribute("aria-sort", "descending")
    expect(first_row(page, "Customers")).to_contain_text(f"Directory {directory.tag} featured")

    name = header(page, "Customers", "Customer")
    expect(name).to_have_attribute("aria-sort", "none")
    name.get_by_role("button").click()
    expect(name).to_have_attribute("aria-sort", "ascending")
    expect(created).to_have_attribute("aria-sort", "none")
    expect(first_row(page, "Customers")).to_contain_text(f"Directory {directory.tag} 00")

    name.get_by_role("button").click()
    expect(name).to_have_attribute("aria-sort", "descending")
    expect(first_row(page, "Customers")).to_contain_text(f"Directory {directory.tag} featured")
    page.get_by_role("button", name="Next").click()
    expect(pager).to_have_text(f"21\N{EN DASH}21 of {PAGE_SIZE + 1} customers")
    expect(first_row(page, "Customers")).to_contain_text(f"Directory {directory.tag} 00")


def test_deliveries_sort_oldest_first_and_filter_by_time_range(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, outbox: Seeded
) -> None:
    pager = show_customer_deliveries(page, frontend_url, outbox)
    expect(first_row(page, "Deliveries")).to_have_attribute("data-delivery", outbox.dead_ids[0])
    created = header(page, "Deliveries", "Created (UTC)")
    created.get_by_role("button").click()
    expect(created).to_have_attribute("aria-sort", "ascending")
    expect(first_row(page, "Deliveries")).to_have_attribute("data-delivery", outbox.dead_ids[-1])
    page.get_by_role("button", name="Next").click()
    expect(pager).to_have_text(f"21\N{EN DASH}{DEAD_ROWS} of {DEAD_ROWS} deliveries")
    expect(delivery_row(page, outbox.dead_ids[0])).to_be_visible()

    choose(page, "Created", "Last hour")  # the seeded deliveries are about two hours old
    expect(page.get_by_role("heading", name="No deliveries match")).to_be_visible()
    choose(page, "Created", "Last 24 hours")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {DEAD_ROWS} deliveries")
    expect(first_row(page, "Deliveries")).to_have_attribute("data-delivery", outbox.dead_ids[-1])


def seed_wechat_channel(tag: str) -> str:
    """A customer's connected personal WeChat channel; its id."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Channel, ChannelScope, ChannelStatus, Customer
    from clawscale.models.base import utcnow

    with session_scope(get_engine()) as db:
        owner = Customer(display_name=f"WeChat owner {tag}")
        db.add(owner)
        db.flush()
        channel = Channel(
            kind="wechat_personal",
            scope=ChannelScope.PERSONAL,
            owner_customer_id=owner.id,
            name=f"WeChat {tag}",
            status=ChannelStatus.CONNECTED,
            last_activity_at=utcnow(),
        )
        db.add(channel)
        db.flush()
        return channel.id


def test_disconnecting_a_channel_asks_first_and_updates_its_row_in_place(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    tag = secrets.token_hex(3)
    channel_id = seed_wechat_channel(tag)
    page.goto(frontend_url + "/admin/channels")
    choose(page, "Kind", "Personal WeChat")
    row = page.locator(f'tr[data-channel="{channel_id}"]')
    expect(row).to_contain_text("Connected")
    page.evaluate("window.__stillTheSamePage = true")

    row.get_by_role("button", name=f"Disconnect WeChat {tag}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"WeChat {tag}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Connected")

    row.get_by_role("button", name=f"Disconnect WeChat {tag}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()
    expect(row).to_contain_text("Disconnected")
    expect(row.get_by_role("button", name=f"Disconnect WeChat {tag}")).to_have_count(0)
    expect(page.get_by_text(f"WeChat {tag} is disconnected.")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage") is True

    page.goto(frontend_url + "/admin/audit")
    action = header(page, "Audit log", "Action")
    expect(action).to_be_visible()
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("Disconnected a channel")


def seed_refused_customer(tag: str) -> str:
    """A chat customer whose runtime refused provisioning (binding `error`, its code kept); its
    agent has since been switched to needing no provisioning."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Agent, AgentBinding, Customer, ProvisionStatus

    with session_scope(get_engine()) as db:
        agent = Agent(slug=f"refuser-{tag}", name=f"Refuser {tag}", endpoint="http://127.0.0.1:9/")
        customer = Customer(display_name=f"Refused {tag}")
        db.add_all([agent, customer])
        db.flush()
        db.add(
            AgentBinding(
                customer_id=customer.id,
                agent_id=agent.id,
                provision_status=ProvisionStatus.ERROR,
                attempts=1,
                last_error="missing_coke_account_id (HTTP 400)",
            )
        )
        return customer.id


def test_a_refused_provisioning_shows_the_runtime_s_code_and_is_retried_from_the_detail(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.models import AdminAccount, AgentBinding, AuditLog

    tag = secrets.token_hex(3)
    customer_id = seed_refused_customer(tag)
    page.goto(frontend_url + "/admin/customers")
    search_customers(page, f"Refused {tag}")
    row = customer_row(page, customer_id)
    expect(row).to_contain_text("missing_coke_account_id (HTTP 400)")
    expect(row).to_contain_text("Error")
    row.get_by_role("button", name="Details").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=f"Retry provisioning of Refused {tag}").click()
    expect(page.get_by_text("Provisioning will be tried again now.")).to_be_visible()
    expect(dialog.get_by_role("button", name=re.compile("Retry provisioning"))).to_have_count(0)
    expect(row).to_contain_text("Pending")

    def binding_status() -> str:
        with session_scope(get_engine()) as db:
            query = select(AgentBinding).where(AgentBinding.customer_id == customer_id)
            return db.exec(query).one().provision_status

    # The agent needs no provisioning, so the app's own inbound worker makes it ready at once.
    wait_until(lambda: binding_status() == "ready", 15, "the binding to be ready")
    with session_scope(get_engine()) as db:
        audit = db.exec(select(AuditLog).where(AuditLog.target_id == customer_id)).one()
        admin = db.get(AdminAccount, audit.admin_id)
        assert (audit.action, admin.email) == ("binding.retry", signed_in_admin.email)
