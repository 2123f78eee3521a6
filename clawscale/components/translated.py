"""Text in the page's language. Every string a page shows goes through one of these; each puts
its translations into the compiled page and the browser picks the one of `LocaleState.lang`,
so switching language changes every word at once, with no reload.

- `t("Sign in")`, `t("We sent a link to {email}", email=State.sent_to)`: a fixed message, its
  `{name}` placeholders filled in the browser from vars or values.
- `tn("{count} event", "{count} events", State.count)`: a message with a plural.
- `shown(label)`: what a shared component does with a label it was given, a Var or an
  `N_`-marked English message id.
- `chosen(State.problem, PROBLEMS)`: a var holding one of a set of known messages (a State keeps
  the English message id, the page shows it translated).
- `local_time(State.at_iso)`, `table_time(row.at_iso)`, `local_number(State.total)`: dates (UTC,
  from an ISO string) and numbers as the page's language writes them.
"""

from collections.abc import Iterable
from typing import Any

import reflex as rx
from reflex.vars import Var

from clawscale.i18n.catalogs import every_locale, every_locale_plural
from clawscale.i18n.locales import HTML_LANGS, LANGUAGE_NAMES, LOCALES
from clawscale.state.locale import LocaleState

Param = Var[Any] | str | int


def _fill(text: Var[str], params: dict[str, Param]) -> Var[str]:
    for name, value in params.items():
        text = text.replace("{" + name + "}", Var.create(value).to(str))
    return text


def t(message: str, **params: Param) -> Var[str]:
    """`message` in the page's language, its `{name}` placeholders filled from `params`."""
    table = Var.create(every_locale(message))
    return _fill(table[LocaleState.lang].to(str), params)


def shown(label: str | Var[str]) -> Var[str]:
    """A label a shared component was given: a Var as it is, a string as an English message id
    (marked with `N_` where it is written) in the page's language."""
    return label if isinstance(label, Var) else t(label)


def tn(singular: str, plural: str, count: Var[int], **params: Param) -> Var[str]:
    """The form of `singular`/`plural` for `count` in the page's language; `{count}` is
    written as the language writes numbers."""
    forms = every_locale_plural(singular, plural)
    one = Var.create({locale: pair[0] for locale, pair in forms.items()})
    many = Var.create({locale: pair[1] for locale, pair in forms.items()})
    text = rx.cond(count == 1, one[LocaleState.lang], many[LocaleState.lang]).to(str)
    return _fill(text, {"count": local_number(count), **params})


def chosen(message: Var[str], messages: Iterable[str], **params: Param) -> Var[str]:
    """The message a var holds, translated when it is one of `messages` (else as it is), its
    `{name}` placeholders filled from `params`."""
    table = Var.create({known: every_locale(known) for known in messages})
    return _fill((table[message].to(dict)[LocaleState.lang] | message).to(str), params)


def html_lang() -> Var[str]:
    """The page language's tag for `Intl` and `lang` attributes ("zh-Hans", "en")."""
    return Var.create(HTML_LANGS)[LocaleState.lang].to(str)


def _intl_time(iso: Var[str], options: str, suffix: str) -> Var[str]:
    return Var(
        f"(({iso}) ? new Intl.DateTimeFormat({html_lang()}, {{{options}, timeZone: 'UTC'}})"
        f".format(new Date({iso})) + {suffix!r} : '')",
        _var_type=str,
        _var_data=Var.create(iso)._get_all_var_data(),
    ).to(str)


def local_time(iso: Var[str]) -> Var[str]:
    """A UTC moment (ISO 8601) as a sentence states it, "3 June 2026, 14:05 UTC" or
    "2026年6月3日 14:05 UTC"; "" for ""."""
    return _intl_time(iso, "dateStyle: 'long', timeStyle: 'short', hourCycle: 'h23'", " UTC")


def table_time(iso: Var[str], *, seconds: bool = False) -> Var[str]:
    """A UTC moment (ISO 8601) compact for a table cell; "" for ""."""
    style = "medium" if seconds else "short"
    return _intl_time(iso, f"dateStyle: 'medium', timeStyle: '{style}', hourCycle: 'h23'", "")


def local_number(value: Var[int] | Var[float]) -> Var[str]:
    """A number grouped as the page's language groups digits."""
    return Var(
        f"Number({value}).toLocaleString({html_lang()})",
        _var_type=str,
        _var_data=Var.create(value)._get_all_var_data(),
    ).to(str)


def language_switch() -> rx.Component:
    """The languages, the current one marked; choosing one switches every page."""
    return rx.segmented_control.root(
        *(rx.segmented_control.item(LANGUAGE_NAMES[locale], value=locale) for locale in LOCALES),
        value=LocaleState.lang,
        on_change=LocaleState.choose,
        size="1",
        aria_label=t("Language"),
    )
