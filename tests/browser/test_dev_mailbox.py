"""The development mailbox: kept emails newest first, a page at a time, with working links."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clawscale.pages.dev.mailbox import PAGE_SIZE, kept_page, text_parts
from clawscale.pages.dev.mailbox import TextPart as Part

pytestmark = pytest.mark.browser


def test_text_is_split_into_plain_runs_and_links() -> None:
    text = "Open http://x.test/a?b=1&c=2.\nThen https://y.test/ (or not)"
    assert text_parts(text) == [
        Part("Open "),
        Part("http://x.test/a?b=1&c=2", href="http://x.test/a?b=1&c=2"),
        Part(".\nThen "),
        Part("https://y.test/", href="https://y.test/"),
        Part(" (or not)"),
    ]


def test_nothing_is_shown_outside_development(app_harness: object) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.settings import Environment, Settings

    production = Settings(_env_file=None, CLAWSCALE_ENV=Environment.PRODUCTION)
    with session_scope(get_engine()) as db:
        assert kept_page(db, production, 0) == ([], False)


def test_kept_emails_page_newest_first_with_load_more(
    page: Page, frontend_url: str, new_email: Callable[[str], str]
) -> None:
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.mail.queue import queue_mail
    from clawscale.settings import get_settings

    recipient = new_email("reader")
    count = PAGE_SIZE + 2
    for number in range(1, count + 1):
        with session_scope(get_engine()) as db:
            queue_mail(db, get_settings(), recipient, f"Note {number}", f"Body {number}")

    page.goto(frontend_url + "/dev/mailbox")
    mails = page.get_by_role("article")
    expect(mails).to_have_count(PAGE_SIZE)
    expect(mails.first.get_by_role("heading")).to_have_text(f"Note {count}")
    expect(mails.first).to_contain_text(recipient)
    expect(page.get_by_role("heading", name="Note 1", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Load more").click()

    expect(page.get_by_role("heading", name="Note 1", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Note 2", exact=True)).to_be_visible()
