"""The language a person is written to in: remembered on their identity when they sign up,
claim or switch the site's language, and read when their email is written."""

from sqlmodel import Session

from clawscale.i18n.locales import DEFAULT_LOCALE, supported
from clawscale.models import Identity


def remember_locale(db: Session, identity: Identity, locale: str | None) -> None:
    """Keep `locale` as the identity's language when the site speaks it."""
    chosen = supported(locale)
    if chosen and identity.locale != chosen:
        identity.locale = chosen
        db.add(identity)


def email_locale(identity: Identity | None) -> str:
    """The language of the identity's email (English when none was ever chosen)."""
    return supported(identity.locale if identity else None) or DEFAULT_LOCALE
