"""No English words reach a page untranslated: in the pages, components and page States, every
string literal that reads as English (a capitalised word, or words with spaces) is marked for
translation (`t`, `tn`, `N_`), unless it is a docstring, a name that is never translated
(products, codes) or a style, icon, route or event value."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "clawscale"
SCANNED = ("pages", "components", "state")
MARKERS = frozenset({"t", "tn", "N_", "gettext", "ngettext"})
NOT_TEXT_KEYWORDS = frozenset(
    {
        "color_scheme",
        "variant",
        "size",
        "weight",
        "align",
        "justify",
        "direction",
        "spacing",
        "icon",
        "role",
        "type",
        "input_type",
        "autocomplete",
        "auto_complete",
        "name",
        "id",
        "href",
        "src",
        "as_",
        "radius",
        "display",
        "wrap",
        "trim",
        "side",
        "high_contrast",
        "white_space",
        "text_align",
        "route",
        "grid_area",
        "grid_template_areas",
        "orientation",
        "grid_template_columns",
        "grid_template_rows",
        "font_family",
        "overflow",
        "text_overflow",
        "word_break",
        "cursor",
        "position",
    }
)
UNTRANSLATED = frozenset(
    {
        "ClawScale",
        "WeChat",
        "WhatsApp",
        "Telegram",
        "Google",
        "Google Calendar",
        "Stripe",
        "iMessage",
        "SMS",
        "Coke",
        "ClawScale Gateway",
        "UTC",
        "OK",
        "API",
        "URL",
        "ID",
        "QR",
    }
)
ENGLISH = re.compile(r"^(?=.*[A-Za-z]{2})(?:[A-Z][a-z]+\b|.*[A-Za-z]+ [A-Za-z]+)")
CSS = re.compile(r"var\(|^inset |^\d[\d.]*(px|rem|em|%|fr)?( |$)")


def literal_strings(tree: ast.AST) -> list[ast.Constant]:
    """String literals (an f-string as its fixed parts) outside docstrings, translation markers
    and non-text keywords."""
    skipped: set[int] = set()
    texts: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            callee = node.func.id if isinstance(node.func, ast.Name) else callee
            if callee in MARKERS or callee == "icon":
                skipped.update(id(inner) for arg in node.args for inner in ast.walk(arg))
            for keyword in node.keywords:
                if keyword.arg in NOT_TEXT_KEYWORDS:
                    skipped.update(id(inner) for inner in ast.walk(keyword.value))
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(value) for value in node.values)
            if id(node) not in skipped:
                fixed = "{}".join(
                    value.value if isinstance(value, ast.Constant) else "" for value in node.values
                )
                texts.append(ast.Constant(fixed, lineno=node.lineno))
    texts.extend(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in skipped
    )
    return texts


def english_literals(path: Path) -> list[str]:
    found = []
    for node in literal_strings(ast.parse(path.read_text())):
        text = node.value.strip()
        if text in UNTRANSLATED or text.startswith(("/", "http", "--")) or CSS.search(text):
            continue
        if ENGLISH.match(text):
            found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {text!r}")
    return found


# Modules whose literals are code, not text: the JavaScript that translates and formats.
WRITES_JAVASCRIPT = frozenset({"components/translated.py"})


MODULES = sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_english_literal_is_marked_for_translation(path: Path) -> None:
    if str(path.relative_to(ROOT)) in WRITES_JAVASCRIPT:
        pytest.skip("its literals are code")
    assert english_literals(path) == []
