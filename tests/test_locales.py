"""Choosing a visitor's language: the page's `?lang=`, else the cookie, else the browser's."""

import pytest

from clawscale.i18n.locales import CHINESE, ENGLISH, visitor_locale


@pytest.mark.parametrize(
    ("requested", "cookie", "accept_language", "expected"),
    [
        ("zh", "en", "en-US", CHINESE),
        ("en", "zh", "zh-CN", ENGLISH),
        ("klingon", "zh", "en-US", CHINESE),
        (None, None, "zh-CN,en;q=0.5", CHINESE),
        ("", "", "", ENGLISH),
    ],
)
def test_the_address_comes_before_the_cookie_and_the_browser(
    requested: str | None, cookie: str | None, accept_language: str, expected: str
) -> None:
    assert visitor_locale(cookie, accept_language, requested) == expected
