"""The shared-channel console pages and agent editing in a real browser: the list (pages and
filters over seeded channels), creating a Telegram channel, its detail page (the webhook URL
only after Show webhook URL: no page or websocket frame carries its token before; edit, connect
against a fake Bot API, disconnect and archive after confirmations, without a reload), the audit
trail, and editing an agent with a write-only token.

Screenshots of the list and the detail at laptop and tablet widths go to
`test-results/screenshots/`.
"""

import os
import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from sqlmodel import col, func, select

from clawscale.state.admin.pagination import PAGE_SIZE
from tests.browser.conftest import AdminLogin, restored_environment, warm_up
from tests.browser.test_admin_dashboard import header, screenshot
from tests.browser.test_admin_pages import WIDTHS
from tests.fakes.telegram import FakeTelegram, fake_telegram, telegram_error

pytestmark = pytest.mark.browser

ROUTE = "/admin/shared-channels"
EVOLUTION = "WhatsApp (Evolution API)"


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The pages built once before the tests (see `warm_up`)."""
    warm_up(browser, frontend_url, (ROUTE, f"{ROUTE}/none", "/admin/agents", "/admin/audit"))


def admin_id(admin: AdminLogin) -> str:
    """The id of the test's admin."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import AdminAccount

    with session_scope(get_engine()) as db:
        return db.exec(select(AdminAccount.id).where(AdminAccount.email == admin.email)).one()


def seed_channels(admin: AdminLogin, tag: str) -> str:
    """PAGE_SIZE + 1 Evolution channels named with `tag`; the id of the newest, left in error."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.shared import create_shared_channel
    from clawscale.models import ChannelStatus
    from clawscale.settings import get_settings

    creator = admin_id(admin)
    with session_scope(get_engine()) as db:
        for number in range(PAGE_SIZE + 1):
            channel = create_shared_channel(
                db,
                get_settings(),
                creator,
                kind="whatsapp_evolution",
                name=f"Seeded {tag} {number:02}",
                agent_id=None,
                config={"instance": f"inst-{tag}-{number}"},
                secrets={"api_key": f"evo-key-{tag}"},
            )
        channel.status = ChannelStatus.ERROR
        channel.last_error = f"Evolution refused the key {tag}"
        db.add(channel)
        return channel.id


def live_evolution_channels() -> int:
    """How many Evolution shared channels the list holds now."""
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Channel, ChannelScope, ChannelStatus

    with session_scope(get_engine()) as db:
        query = (
            select(func.count())
            .select_from(Channel)
            .where(
                Channel.kind == "whatsapp_evolution",
                Channel.scope == ChannelScope.SHARED,
                col(Channel.status) != ChannelStatus.ARCHIVED,
            )
        )
        return db.exec(query).one()


@pytest.fixture
def telegram(app_harness: object) -> Iterator[FakeTelegram]:
    """A fake Bot API the running app calls for Telegram (its base-URL setting points there)."""
    from clawscale.settings import get_settings

    with fake_telegram() as fake, restored_environment(("TELEGRAM_API_BASE_URL",)):
        os.environ["TELEGRAM_API_BASE_URL"] = fake.url
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


@pytest.fixture
def agent(app_harness: object) -> tuple[str, str]:
    """An agent (not the default) to choose: its id and name."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.runtime.agents import create_agent
    from clawscale.settings import get_settings

    tag = secrets.token_hex(3)
    with session_scope(get_engine()) as db:
        made = create_agent(
            db, get_settings(), f"shared-{tag}", f"0 Shared {tag}", "https://agent.test/in", "tok"
        )
        return made.id, made.name


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` of the labelled filter."""
    filters = page.get_by_role("search", name="Filter shared channels")
    filters.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def channel_row(page: Page, channel_id: str) -> Locator:
    """The table's row of one channel."""
    return page.locator(f'tr[data-channel="{channel_id}"]')


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_list_pages_and_filters_seeded_channels(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, width: int
) -> None:
    tag = secrets.token_hex(3)
    erring = seed_channels(signed_in_admin, tag)
    total = live_evolution_channels()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(frontend_url + ROUTE)
    table = page.get_by_role("table", name="Shared channels")
    expect(table).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared channels")

    choose(page, "Kind", EVOLUTION)
    pager = page.get_by_role("status").filter(has_text=" shared channels")
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {total} shared channels")
    newest = channel_row(page, erring)
    expect(newest).to_contain_text("Error")
    expect(newest).to_contain_text(f"Evolution refused the key {tag}")
    expect(newest).to_contain_text("Default agent")
    assert f"evo-key-{tag}" not in page.content()
    screenshot(page, f"admin-shared-channels-{width}")
    page.get_by_role("button", name="Next").click()
    expect(pager).to_contain_text(f"{PAGE_SIZE + 1}\N{EN DASH}")
    page.get_by_role("button", name="Previous").click()
    expect(pager).to_have_text(f"1\N{EN DASH}{PAGE_SIZE} of {total} shared channels")

    choose(page, "State", "Error")
    expect(newest).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="Connected")).to_have_count(0)
    choose(page, "Kind", "Telegram")
    choose(page, "State", "Pending")
    expect(page.get_by_role("heading", name="No shared channels here")).to_be_visible()
    expect(page.get_by_text("Create one below")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    expect(newest).to_be_visible()

    # Sorted by name (the newest channel may then be on another page).
    by_name = header(page, "Shared channels", "Channel")
    by_name.get_by_role("button").click()
    expect(by_name).to_have_attribute("aria-sort", "ascending")
    names = table.locator("tbody tr th").all_inner_texts()
    assert names == sorted(names) and len(names) == PAGE_SIZE
    by_name.get_by_role("button").click()
    expect(by_name).to_have_attribute("aria-sort", "descending")
    names = table.locator("tbody tr th").all_inner_texts()
    assert names == sorted(names, reverse=True)


def create_form(page: Page) -> Locator:
    """The Create a shared channel form."""
    return page.locator("#create-shared-channel-form")


def confirm(page: Page, button: str, answer: str) -> None:
    """Click `button`, then `answer` in the confirmation it opens."""
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=answer).click()
    expect(dialog).to_be_hidden()


def test_create_edit_connect_disconnect_and_archive_a_telegram_channel(
    page: Page,
    context: BrowserContext,
    frontend_url: str,
    signed_in_admin: AdminLogin,
    telegram: FakeTelegram,
    agent: tuple[str, str],
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.store import channel_credentials
    from clawscale.models import AuditLog, Channel, ChannelStatus
    from clawscale.settings import get_settings

    tag = secrets.token_hex(3)
    name = f"Telegram {tag}"
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    frames: list[str] = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda frame: frames.append(str(frame))),
    )
    page.goto(frontend_url + ROUTE)
    form = create_form(page)
    form.get_by_role("combobox", name="Channel kind").click()
    page.get_by_role("option", name="Telegram", exact=True).click()
    form.get_by_label("Channel name", exact=True).fill(name)
    form.get_by_role("combobox", name="Agent").click()
    page.get_by_role("option", name=agent[1], exact=True).click()
    form.get_by_role("button", name="Create shared channel").click()
    expect(form.get_by_text("Required.")).to_be_visible()

    form.get_by_label("Bot token", exact=True).fill(telegram.token)
    form.get_by_role("button", name="Create shared channel").click()
    expect(page.get_by_role("status").filter(has_text=f"Created {name}.")).to_be_visible()
    expect(form.get_by_label("Channel name", exact=True)).to_have_value("")
    expect(form.get_by_label("Bot token", exact=True)).to_have_count(0)
    row = page.locator("tr[data-channel]").filter(has_text=name)
    expect(row).to_contain_text("Disconnected")
    expect(row).to_contain_text(agent[1])
    channel_id = row.get_attribute("data-channel") or ""
    assert telegram.token not in page.content()

    row.get_by_role("link", name=name).click()
    expect(page).to_have_url(f"{frontend_url}{ROUTE}/{channel_id}")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2).first).to_have_text(name)
    with session_scope(get_engine()) as db:
        stored = db.get(Channel, channel_id)
        assert stored is not None
        path_token = channel_credentials(get_settings(), stored).secrets["webhook_token"]
    assert frames, "the page's websocket frames were not seen"
    assert not [frame for frame in frames if path_token in frame]
    assert path_token not in page.content()
    main.get_by_role("button", name="Show webhook URL").click()
    webhook = main.get_by_label("Webhook URL", exact=True)
    expect(webhook).to_contain_text(f"/api/webhooks/telegram/{channel_id}/{path_token}")
    url = webhook.inner_text()
    main.get_by_role("button", name="Copy webhook URL").click()
    expect(main.get_by_role("button", name="Copy webhook URL")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(main).to_contain_text("Bot token")
    assert telegram.token not in page.content()
    page.evaluate("window.__stillTheSamePage = true")

    edit = page.locator("#edit-shared-channel-form")
    edit.get_by_label("Channel name", exact=True).fill(f"{name} renamed")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text=f"Saved {name} renamed.")).to_be_visible()
    expect(main.get_by_role("heading", level=2).first).to_have_text(f"{name} renamed")
    expect(edit.get_by_label("Bot token", exact=True)).to_have_value("")

    telegram.fail_next(telegram_error(401, "Unauthorized"))
    main.get_by_role("button", name="Connect", exact=True).click()
    refused = page.get_by_role("alert").filter(has_text="The provider refused")
    expect(refused).to_contain_text(re.compile(r"HTTP 401"))
    assert telegram.webhook_url is None

    main.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Connected:")).to_be_visible()
    expect(main.get_by_role("button", name="Disconnect", exact=True)).to_be_visible()
    assert telegram.webhook_url == url
    expect(edit).to_contain_text("Disconnect the channel to change its provider settings.")
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"admin-shared-channel-detail-{width}")
    page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})

    main.get_by_role("button", name="Disconnect", exact=True).click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(main.get_by_role("button", name="Disconnect", exact=True)).to_be_visible()
    confirm(page, "Disconnect", "Yes, disconnect")
    expect(page.get_by_role("status").filter(has_text="Disconnected:")).to_be_visible()
    expect(main.get_by_role("button", name="Connect", exact=True)).to_be_visible()
    assert telegram.webhook_url is None

    confirm(page, "Archive", "Yes, archive")
    expect(page.get_by_role("heading", name="Channel archived")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage") is True

    with session_scope(get_engine()) as db:
        channel = db.get(Channel, channel_id)
        assert channel is not None and channel.status == ChannelStatus.ARCHIVED
        assert channel.owner_agent_id == agent[0]
        assert channel_credentials(get_settings(), channel).secrets == {}
        query = (
            select(AuditLog.action)
            .where(AuditLog.target_id == channel_id)
            .order_by(col(AuditLog.created_at))
        )
        assert list(db.exec(query)) == [
            "shared_channel.create",
            "shared_channel.reveal_webhook_url",
            "shared_channel.update",
            "shared_channel.connect",
            "shared_channel.disconnect",
            "shared_channel.archive",
        ]

    page.goto(frontend_url + "/admin/audit")
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("shared_channel.archive")
    page.goto(frontend_url + ROUTE)
    expect(page.get_by_role("table", name="Shared channels")).to_be_visible()
    expect(page.locator(f'tr[data-channel="{channel_id}"]')).to_have_count(0)


def test_an_agent_is_edited_and_a_blank_token_keeps_the_current_one(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, agent: tuple[str, str]
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.models import Agent, AuditLog

    agent_id, name = agent
    with session_scope(get_engine()) as db:
        before = db.get(Agent, agent_id)
        assert before is not None
        token_before, slug = before.token_encrypted, before.slug
    page.goto(frontend_url + "/admin/agents")
    row = page.locator(f'tr[data-agent="{slug}"]')
    row.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Agent name", exact=True)).to_have_value(name)
    expect(dialog.get_by_label("New token", exact=True)).to_have_value("")
    expect(dialog).to_contain_text("A token is set")

    dialog.get_by_label("Endpoint", exact=True).fill("not a url")
    dialog.get_by_role("button", name="Save agent").click()
    expect(dialog.get_by_text("Enter an absolute http(s) URL")).to_be_visible()

    dialog.get_by_label("Agent name", exact=True).fill(f"{name} edited")
    dialog.get_by_label("Endpoint", exact=True).fill("https://agent.test/v2")
    dialog.get_by_role("button", name="Save agent").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text=f"Saved {name} edited.")).to_be_visible()
    expect(row).to_contain_text(f"{name} edited")
    expect(row).to_contain_text("https://agent.test/v2")

    with session_scope(get_engine()) as db:
        after = db.get(Agent, agent_id)
        assert after is not None and after.token_encrypted == token_before
        entry = db.exec(select(AuditLog).where(AuditLog.target_id == agent_id)).one()
        assert (entry.action, entry.details) == ("agent.update", {"fields": ["endpoint", "name"]})
