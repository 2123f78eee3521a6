"""The compiled gettext catalogs (`locales/<locale>/LC_MESSAGES/messages.mo`) and the lookups
over them. Source strings are English and are the message ids; `N_` marks a string for
extraction where it is defined (a constant), to be translated where it is shown.
"""

from functools import cache
from pathlib import Path

from babel.support import Translations

from clawscale.i18n.locales import LOCALES

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


class CatalogMissing(RuntimeError):
    """A compiled catalog is absent: set-up (`scripts/i18n compile`) has not run."""


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated where it is shown."""
    return message


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of `locale`."""
    compiled = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise CatalogMissing(f"{compiled} is missing: run `bash scripts/i18n compile`")
    return Translations.load(LOCALES_DIR, [locale], DOMAIN)


def gettext(locale: str, message: str, **params: object) -> str:
    """`message` in `locale`, its `{name}` placeholders filled from `params`."""
    text = translations(locale).gettext(message)
    return text.format(**params) if params else text


def ngettext(locale: str, singular: str, plural: str, count: int, **params: object) -> str:
    """The form of `singular`/`plural` for `count` in `locale`, `{count}` and `params` filled."""
    text = translations(locale).ngettext(singular, plural, count)
    return text.format(count=count, **params)


def every_locale(message: str) -> dict[str, str]:
    """`message` in each locale."""
    return {locale: translations(locale).gettext(message) for locale in LOCALES}


def every_locale_plural(singular: str, plural: str) -> dict[str, tuple[str, str]]:
    """The one and the many form of `singular`/`plural` in each locale."""
    return {
        locale: (
            translations(locale).ngettext(singular, plural, 1),
            translations(locale).ngettext(singular, plural, 2),
        )
        for locale in LOCALES
    }
