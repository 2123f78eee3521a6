"""Dates as a locale writes them, on the server (for email; the pages format theirs in the
browser, `components/translated.py`)."""

from datetime import UTC, datetime

from babel.dates import format_datetime

from clawscale.i18n.locales import CHINESE, ENGLISH

MAIL_TIME_PATTERNS: dict[str, str] = {
    CHINESE: "y年M月d日 HH:mm '(UTC)'",
    ENGLISH: "d MMMM y, HH:mm 'UTC'",
}


def mail_time(moment: datetime, locale: str) -> str:
    """A moment (naive means UTC) as an email in `locale` states it, to the minute, in UTC:
    "3 June 2026, 14:05 UTC", "2026年6月3日 14:05 (UTC)"."""
    return format_datetime(moment, MAIL_TIME_PATTERNS[locale], locale=locale, tzinfo=UTC)
