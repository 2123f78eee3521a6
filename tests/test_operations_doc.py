"""docs/operations.md is the one page an operator needs: it names every variable the settings
read (a name in backticks, or a pattern such as `AUTH_RATE_LIMIT_*` / `*_BASE_URL` covering it),
and every link of its contents list leads to one of its sections."""

import re

from clawscale.settings import PROJECT_ROOT, Settings

OPERATIONS = (PROJECT_ROOT / "docs" / "operations.md").read_text()
CODE = re.compile(r"`([A-Z*][A-Z0-9_*]*)`")


def documented(name: str, named: set[str]) -> bool:
    for token in named:
        if token == name:
            return True
        if token.endswith("*") and name.startswith(token[:-1]):
            return True
        if token.startswith("*") and name.endswith(token[1:]):
            return True
    return False


def test_every_setting_is_documented():
    named = set(CODE.findall(OPERATIONS))
    missing = [name for name in Settings.model_fields if not documented(name, named)]
    assert missing == []


def anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def test_every_contents_link_leads_to_a_section():
    anchors = {anchor(heading) for heading in re.findall(r"(?m)^#{2,3} (.+)$", OPERATIONS)}
    links = re.findall(r"\]\(#([^)]+)\)", OPERATIONS)
    assert links
    assert [link for link in links if link not in anchors] == []
