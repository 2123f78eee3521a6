"""The page's language: the one its address asks for (`?lang=zh|en`), else the visitor's choice
(the `coke-locale` cookie), else their browser's language; switching it on any page, remembered
for the next visit and, for a signed-in customer, for their email. Keeps `<html lang>` right."""

import json

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.accounts.languages import remember_locale
from clawscale.domain.accounts.sessions import CUSTOMER_COOKIE
from clawscale.i18n.locales import (
    COOKIE_MAX_AGE_SECONDS,
    COOKIE_VALUES,
    DEFAULT_LOCALE,
    HTML_LANGS,
    LOCALE_COOKIE,
    LOCALES,
    visitor_locale,
)
from clawscale.settings import Settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import signed_in_account
from clawscale.state.visit import visit_cookie

LANG_PARAMETER = "lang"
"""The query parameter naming a page's language (`zh` or `en`)."""


def mark_document(locale: str) -> EventSpec:
    """Set `<html lang>` to the locale's language tag."""
    return rx.call_script(f"document.documentElement.lang = {json.dumps(HTML_LANGS[locale])}")


def remember_for_customer(db: Session, settings: Settings, token: str | None, locale: str) -> None:
    """Keep the signed-in customer's language for their email (nothing when signed out)."""
    account = signed_in_account(db, settings, token)
    if account is not None:
        remember_locale(db, account.identity, locale)


class LocaleState(rx.State):
    """The language every page speaks; the pages translate into it in the browser."""

    chosen: str = rx.Cookie(
        "", name=LOCALE_COOKIE, path="/", max_age=COOKIE_MAX_AGE_SECONDS, same_site="lax"
    )
    lang: str = DEFAULT_LOCALE
    settled: bool = False

    @rx.event
    def settle(self) -> EventSpec:
        """On load of every page: the address's `?lang=`, else the cookie's language, else the
        browser's."""
        requested = self.router.url.query_parameters.get(LANG_PARAMETER)
        self.lang = visitor_locale(self.chosen, self.router.headers.accept_language, requested)
        self.settled = True
        return mark_document(self.lang)

    @rx.event
    async def choose(self, locale: str | list[str]) -> EventSpec | None:
        """Switch to `locale` and remember it (the cookie; a signed-in customer's account)."""
        if not isinstance(locale, str) or locale not in LOCALES:
            return None
        self.lang = locale
        self.chosen = COOKIE_VALUES[locale]
        token = visit_cookie(self.router, CUSTOMER_COOKIE)
        if token:
            await run_domain(
                lambda db, settings: remember_for_customer(db, settings, token, locale)
            )
        return mark_document(locale)
