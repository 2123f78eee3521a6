"""The Google Calendar import journey of a person met in chat, in a real browser against the
real app and its own workers, with WhatsApp (Evolution's webhook), the agent runtime and Google
faked by local HTTP servers.

A WhatsApp message on a shared channel makes the sender an unclaimed customer, and the app's
inbound worker forwards it to the runtime, which files it in a conversation. The runtime asks
the gateway for a hand-off link for that conversation (as Coke does when the person asks to
import their calendar) and the person opens it signed out: they give their email on
`/auth/claim-entry`, open the mailed claim link, choose a password, and arrive (through the
hand-off page, which claims the link) on `/account/calendar-import`. "Connect Google Calendar"
goes to Google's consent screen, which sends them straight back; the page follows the run
live (the runtime takes a few seconds) until it shows the events imported, and the runtime has
them for that customer. The used link then says so in words.

Screenshots of the three pages at 390 and 1280 px go to `test-results/screenshots/`
(`<name>-en-<width>.png`).
"""

import json
import re
import secrets
from collections.abc import Iterator
from datetime import date, datetime
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, RunningApp, app_environment, fill, wait_for, warm_up
from tests.browser.languages import screenshots
from tests.browser.test_customer_auth_pages import follow_mailed_link
from tests.fakes.evolution import upsert_event
from tests.fakes.google import FakeGoogle, calendar_event, fake_google
from tests.fakes.runtime import FakeRuntime

pytestmark = pytest.mark.browser

HANDOFF_ROUTE = "/handoff/calendar-import"
CLAIM_ENTRY_ROUTE = "/auth/claim-entry"
IMPORT_ROUTE = "/account/calendar-import"
WEBHOOK_TOKEN = "calendar-journey-webhook-token"
FLOW_MS = 30_000
IMPORT_SECONDS = 3.0
"""How long the runtime takes over the import, so the page is seen following it live."""


@pytest.fixture(scope="module", autouse=True)
def warm_frontend(browser: Browser, frontend_url: str) -> None:
    """The journey's pages, built once before it starts."""
    routes = (HANDOFF_ROUTE, CLAIM_ENTRY_ROUTE, "/auth/claim", "/dev/mailbox", IMPORT_ROUTE)
    warm_up(browser, frontend_url, routes)


@pytest.fixture
def google(running_app: RunningApp) -> Iterator[FakeGoogle]:
    """A fake Google (consent screen, token endpoint, Calendar API) the running app's requests
    use during the test, with two events in the primary calendar."""
    events = [
        calendar_event("Dentist", datetime(2027, 1, 5, 9), datetime(2027, 1, 5, 10)),
        calendar_event("Team offsite", date(2027, 2, 1), date(2027, 2, 2)),
    ]
    with (
        fake_google(events=events) as fake,
        app_environment(
            GOOGLE_CALENDAR_CLIENT_ID=fake.client_id,
            GOOGLE_CALENDAR_CLIENT_SECRET=fake.client_secret,
            GOOGLE_OAUTH_AUTHORIZE_URL=fake.authorize_url,
            GOOGLE_OAUTH_TOKEN_URL=fake.token_url,
            GOOGLE_CALENDAR_API_URL=fake.calendar_api_url,
        ),
    ):
        yield fake


def shared_whatsapp_channel() -> str:
    """A connected shared WhatsApp (Evolution) channel served by the default agent; its id."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.store import create_channel
    from clawscale.models import ChannelScope, ChannelStatus
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        channel = create_channel(
            db,
            get_settings(),
            "whatsapp_evolution",
            ChannelScope.SHARED,
            name="Calendar journey WhatsApp",
            status=ChannelStatus.CONNECTED,
            config={"instance": "main", "base_url": "http://127.0.0.1:9"},
            secrets={"webhook_token": WEBHOOK_TOKEN, "api_key": "evo-key"},
        )
        return channel.id


def claim_status(customer_id: str) -> str:
    """The claim status of the customer's owner."""
    from sqlmodel import select

    from clawscale.db import get_engine, session_scope
    from clawscale.models import Identity, Membership

    with session_scope(get_engine()) as db:
        identity = db.exec(
            select(Identity)
            .join(Membership, Membership.identity_id == Identity.id)
            .where(Membership.customer_id == customer_id)
        ).one()
        return identity.claim_status


def test_a_chat_customer_claims_their_account_and_imports_their_calendar(
    page: Page,
    frontend_url: str,
    api_url: str,
    new_email,
    runtime: FakeRuntime,
    google: FakeGoogle,
) -> None:
    from clawscale.settings import get_settings

    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    sender = f"1555{secrets.randbelow(10**7):07d}"
    email = new_email("chat")
    main = page.get_by_role("main")

    channel_id = shared_whatsapp_channel()
    delivered = httpx.post(
        f"{api_url}/api/webhooks/whatsapp_evolution/{channel_id}/{WEBHOOK_TOKEN}",
        content=json.dumps(upsert_event("Can you import my calendar?", number=sender)),
        headers={"Content-Type": "application/json"},
    )
    assert delivered.json()["data"] == {"received": 1, "duplicates": 0}
    wait_for(lambda: runtime.texts() == ["Can you import my calendar?"])
    [message] = runtime.accepted
    customer_id = message.coke_account_id
    assert claim_status(customer_id) == "unclaimed"
    assert [item.customer_id for item in runtime.conversations] == [customer_id]

    handed = httpx.post(
        f"{api_url}/api/internal/calendar-import-handoffs",
        json={
            "source_customer_id": customer_id,
            "tenant_id": message.tenant_id,
            "channel_id": message.channel_id,
            "end_user_id": message.end_user_id,
            "external_id": message.external_id,
            "gateway_conversation_id": message.gateway_conversation_id,
            "business_conversation_key": message.business_conversation_key,
        },
        headers={"Authorization": f"Bearer {get_settings().CLAWSCALE_IDENTITY_API_KEY}"},
    )
    assert handed.status_code == 200, handed.text
    link = handed.json()["data"]["url"]
    assert link.startswith(f"{frontend_url}{HANDOFF_ROUTE}?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    link_path = link.removeprefix(frontend_url)

    page.goto(link)
    expect(page).to_have_url(re.compile(re.escape(f"{frontend_url}{CLAIM_ENTRY_ROUTE}?entry=")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your account")
    screenshots(page, "claim-entry")
    main.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(f"{frontend_url}/auth/login?next={quote(link_path, safe='')}")
    page.go_back()
    expect(page.get_by_role("button", name="Email me a claim link")).to_be_visible()
    fill(page, {"Email": email})
    page.get_by_role("button", name="Email me a claim link").click()
    expect(main.get_by_text("Check your inbox")).to_be_visible()
    expect(main).to_contain_text(f"We sent a link to {email}")
    screenshots(page, "claim-entry-sent")
    assert claim_status(customer_id) == "pending"

    claim_link = follow_mailed_link(page, frontend_url, email, "Claim your account")
    assert parse_qs(urlsplit(claim_link).query)["next"] == [f"{HANDOFF_ROUTE}?token={token}"]
    fill(page, {"New password": PASSWORD, "Repeat the new password": PASSWORD})
    page.get_by_role("button", name="Claim account").click()

    expect(page).to_have_url(f"{frontend_url}{IMPORT_ROUTE}?handoff={token}", timeout=FLOW_MS)
    connect = page.get_by_role("button", name="Connect Google Calendar")
    expect(connect).to_be_visible(timeout=FLOW_MS)
    assert claim_status(customer_id) == "active"
    expect(main).not_to_contain_text(token)
    screenshots(page, "calendar-import-ready")

    runtime.calendar_run_delay_seconds = IMPORT_SECONDS
    connect.click()
    expect(page).to_have_url(
        re.compile(re.escape(f"{frontend_url}{IMPORT_ROUTE}?googleCalendarImport=complete&runId=")),
        timeout=FLOW_MS,
    )
    expect(main.get_by_text("Importing…", exact=True)).to_be_visible()
    expect(main.get_by_text("Import complete", exact=True)).to_be_visible(timeout=FLOW_MS)
    expect(main).to_contain_text("2 events imported, 0 skipped.")
    expect(main.get_by_text("Succeeded", exact=True)).to_be_visible()
    expect(main).to_contain_text(google.email)
    expect(page.get_by_role("button", name="Import again")).to_be_visible()
    [issued] = google.tokens_issued
    assert issued.access_token not in page.content()
    screenshots(page, "calendar-import-succeeded")

    [imported] = runtime.calendar_imports
    assert imported.customer_id == customer_id
    assert imported.status == 200
    assert [event["summary"] for event in imported.events] == ["Dentist", "Team offsite"]
    assert imported.target is not None
    assert imported.target["conversation_id"] == runtime.conversations[0].conversation_id
    reminders = runtime.reminders_for(customer_id)
    assert sorted(reminder.title for reminder in reminders) == ["Dentist", "Team offsite"]

    page.goto(link)
    expect(main).to_contain_text("This import link has already been used.")
    expect(main.get_by_role("link", name="Import from your account")).to_have_attribute(
        "href", IMPORT_ROUTE
    )
    screenshots(page, "calendar-import-handoff-used")

    page.goto(f"{frontend_url}/account")
    main.get_by_role("link", name="Import Google Calendar").click()
    expect(page).to_have_url(f"{frontend_url}{IMPORT_ROUTE}")
    expect(page.get_by_role("button", name="Import again")).to_be_visible(timeout=FLOW_MS)
    assert page_errors == []
