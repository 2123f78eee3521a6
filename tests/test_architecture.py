"""The package layout's import directions (docs/architecture.md), read from the source.

- The domain knows nothing of its faces: no API, pages, states or workers; no FastAPI,
  Starlette or Reflex; no metrics.
- The channel adapters import no domain, API, pages, states or workers.
- Models import no domain or face.
- Pages and states call the domain, never our own HTTP API.
- A route's module under `pages/` holds its page and its State and imports no other route (a
  detail page may name its list page); shared components and base states import no route.
- Every module says what it owns in a docstring.
"""

import ast
from pathlib import Path

import pytest

from tests.toolchain import ROOT, apply_toolchain_environment

PACKAGE = Path(__file__).resolve().parent.parent / "clawscale"
FACES = (
    "clawscale.api",
    "clawscale.pages",
    "clawscale.components",
    "clawscale.state",
    "clawscale.workers",
)
WEB_FRAMEWORKS = ("fastapi", "starlette", "reflex")


def modules(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in imported(path)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)
    )


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", modules("domain"), ids=relative)
def test_the_domain_imports_no_face(path):
    forbidden = (*FACES, *WEB_FRAMEWORKS, "clawscale.metrics")
    assert offending(path, forbidden) == []


@pytest.mark.parametrize("path", modules("channels"), ids=relative)
def test_channel_adapters_import_no_domain(path):
    assert offending(path, ("clawscale.domain", *FACES)) == []


@pytest.mark.parametrize("path", modules("models"), ids=relative)
def test_models_import_no_domain_or_face(path):
    assert offending(path, ("clawscale.domain", "clawscale.channels", *FACES)) == []


WEB = modules("pages") + modules("components") + modules("state")
ROUTES = [path for path in modules("pages") if path.name != "__init__.py"]
DETAIL_PAGES_PARENT = "clawscale.pages.admin.shared_channels.index"


@pytest.mark.parametrize("path", WEB, ids=relative)
def test_pages_never_call_our_own_api(path):
    text = path.read_text()
    calls_http = "httpx" in imported(path)
    assert not (calls_http and ("CLAWSCALE_PUBLIC_API_URL" in text or '"/api/' in text))


@pytest.mark.parametrize("path", ROUTES, ids=relative)
def test_a_route_module_holds_its_page_and_no_other_route(path):
    names = {
        node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)
    }
    assert "PAGE" in names or path == PACKAGE / "pages" / "index.py"
    assert offending(path, ("clawscale.pages",)) in ([], [DETAIL_PAGES_PARENT])


@pytest.mark.parametrize("path", modules("components") + modules("state"), ids=relative)
def test_shared_parts_import_no_route(path):
    assert offending(path, ("clawscale.pages",)) == []


@pytest.mark.parametrize("path", modules(), ids=relative)
def test_every_module_says_what_it_owns(path):
    assert ast.get_docstring(ast.parse(path.read_text())), f"{relative(path)} has no docstring"


def test_the_guards_see_every_package():
    packages = {path.parent.name for path in modules("domain")}
    assert {"accounts", "billing", "channels", "console", "inbound", "outbox", "queue"} <= packages
    assert "runtime" in packages


def test_pytest_by_hand_gets_the_toolchain_scripts_test_exports():
    environ = {"PATH": "/usr/bin", "REFLEX_DIR": "/elsewhere"}
    apply_toolchain_environment(environ)
    folders = environ["PATH"].split(":")
    assert folders[:2] == [str(ROOT / ".tools/bun/node_modules/.bin"), str(ROOT / ".venv/bin")]
    assert environ["REFLEX_DIR"] == "/elsewhere"
    assert environ["BUN_INSTALL_CACHE_DIR"] == str(ROOT / ".tools/bun-cache")
