"""The translation catalogs: the template holds exactly the messages the source marks, each
locale's catalog holds exactly the template's, and every message has its Chinese, with the
same `{placeholders}` as the English."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from clawscale.i18n.catalogs import LOCALES_DIR, every_locale, translations
from clawscale.i18n.locales import CHINESE, LOCALES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALES_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def extracted(tmp_path: Path) -> Catalog:
    """What `scripts/i18n extract` would write now, from the source as it is."""
    output = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "clawscale/i18n/babel.cfg",
            "--no-default-keywords",
            *("-k", "t", "-k", "N_", "-k", "tn:1,2", "-k", "gettext:2", "-k", "ngettext:2,3"),
            "-o",
            str(output),
            "clawscale",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return read(output)


def forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def english_forms(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_the_template_holds_exactly_what_the_source_marks(tmp_path: Path) -> None:
    now, committed = ids(extracted(tmp_path)), ids(read(TEMPLATE))
    assert now - committed == set(), "new messages: run `bash scripts/i18n extract`"
    assert committed - now == set(), "messages no longer used: run `bash scripts/i18n extract`"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalog_holds_exactly_the_template(locale: str) -> None:
    catalog = read(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    assert ids(catalog) == ids(read(TEMPLATE)), "run `bash scripts/i18n extract`"


def test_every_message_has_its_chinese_with_the_same_placeholders() -> None:
    catalog = read(LOCALES_DIR / CHINESE / "LC_MESSAGES" / "messages.po")
    untranslated = [m.id for m in catalog if m.id and not all(forms(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    for message in (m for m in catalog if m.id):
        wanted = {name for text in english_forms(message) for name in PLACEHOLDER.findall(text)}
        for text in forms(message):
            assert set(PLACEHOLDER.findall(text)) == wanted, message.id


def test_the_compiled_catalogs_are_the_current_ones() -> None:
    catalog = read(LOCALES_DIR / CHINESE / "LC_MESSAGES" / "messages.po")
    compiled = translations(CHINESE)
    for message in (m for m in catalog if m.id and not m.pluralizable):
        assert compiled.gettext(message.id) == message.string, "run `bash scripts/i18n compile`"


def test_english_is_its_own_message_and_chinese_differs_from_it() -> None:
    assert every_locale("Sign in") == {CHINESE: "登录", "en": "Sign in"}
