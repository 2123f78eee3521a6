"""The locales the site speaks, the cookie that remembers a visitor's choice, and choosing a
locale from that cookie or the browser's Accept-Language.

Locale ids are Babel's (`zh_Hans`, `en`); the cookie keeps the seed gateway's name and values
(`coke-locale`: `zh` or `en`) so a choice made there carries over.
"""

from babel import Locale, UnknownLocaleError

CHINESE = "zh_Hans"
ENGLISH = "en"
LOCALES: tuple[str, ...] = (CHINESE, ENGLISH)
DEFAULT_LOCALE = ENGLISH
LOCALE_COOKIE = "coke-locale"
COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600
COOKIE_VALUES: dict[str, str] = {CHINESE: "zh", ENGLISH: "en"}
HTML_LANGS: dict[str, str] = {CHINESE: "zh-Hans", ENGLISH: "en"}
LANGUAGE_NAMES: dict[str, str] = {CHINESE: "中文", ENGLISH: "English"}


def supported(locale: str | None) -> str | None:
    """The supported locale `locale` names (a locale id, a cookie value or a language tag such
    as `zh-CN`), or None; every Chinese reads the Simplified catalog, as the seed's did."""
    if not locale:
        return None
    try:
        parsed = Locale.parse(locale.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return {"zh": CHINESE, "en": ENGLISH}.get(parsed.language)


def from_accept_language(header: str | None) -> str | None:
    """The first supported locale of an Accept-Language header, by its q-weights."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-weight, index, tag))
    for _, _, tag in sorted(weighted):
        locale = supported(tag)
        if locale:
            return locale
    return None


def visitor_locale(
    cookie: str | None, accept_language: str | None, requested: str | None = None
) -> str:
    """A visitor's locale: the one the page's address asks for (`?lang=`, as the chat's frame
    on another site does, where our cookie is not sent), else their choice in the cookie, else
    their browser's language, else English."""
    return (
        supported(requested)
        or supported(cookie)
        or from_accept_language(accept_language)
        or DEFAULT_LOCALE
    )
