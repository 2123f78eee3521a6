"""What the browser tests check of a page in each language: no English word left on a Chinese
page (names that are never translated aside), nothing wider than the window, screenshots at a
laptop's and a phone's width in `test-results/screenshots/`, and the switch to English."""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
WIDTHS = {"laptop": 1280, "phone": 390}
HEIGHTS = {"laptop": 800, "phone": 844}
NEVER_TRANSLATED = frozenset(
    {
        "ClawScale",
        "Gateway",
        "WeChat",
        "WhatsApp",
        "Telegram",
        "Google",
        "Calendar",
        "Stripe",
        "Checkout",
        "iMessage",
        "SMS",
        "Evolution",
        "Coke",
        "UTC",
        "English",
        "QR",
        "ID",
        "API",
        "URL",
        "Webhook",
        "OK",
        "AI",
        "IM",
        "Linq",
        "Business",
        "Bot",
        "Cloud",
        "http",
        "GeWe",
        "eCloud",
    }
)
WORD = re.compile("[A-Za-z][A-Za-z'\u2019-]+")
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|\b[a-z]{2,4}_[A-Za-z0-9]+\b|\b[0-9a-f]{8,}\b|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*"
)


def english_words(page: Page, selector: str = "body") -> list[str]:
    """The English words in the visible text of `selector` (emails, links, ids and names that
    are never translated aside)."""
    text = NOT_WORDS.sub(" ", page.locator(selector).inner_text())
    return [word for word in WORD.findall(text) if word not in NEVER_TRANSLATED]


def fits_the_window(page: Page) -> bool:
    """Whether the page is no wider than the window (nothing forces sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def screenshots(page: Page, name: str) -> None:
    """Keep the page at each width as `test-results/screenshots/<name>-<lang>-<width>.png`
    (the lang of `<html>`), checking it never scrolls sideways; back to the laptop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang") or "en"
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": HEIGHTS[label]})
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert fits_the_window(page), f"{name} ({lang}) is wider than {width} px"
        page.screenshot(path=SCREENSHOTS / f"{name}-{lang}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS["laptop"], "height": HEIGHTS["laptop"]})


def in_both_languages(
    page: Page,
    name: str,
    *,
    english_heading: str | None = None,
    english_left: Callable[[Page], list[str]] = english_words,
    back_to_chinese: bool = True,
) -> None:
    """The Chinese page as it stands has no English word left (`english_left` says which count)
    and fits both widths; switched to English on the page (its heading then reads
    `english_heading`, when given), it fits them too; screenshots in both languages. Back to
    Chinese unless `back_to_chinese` is false."""
    assert english_left(page) == []
    screenshots(page, name)
    page.get_by_role("radio", name="English").click()
    if english_heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(english_heading)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshots(page, name)
    if back_to_chinese:
        page.get_by_role("radio", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
