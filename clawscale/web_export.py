"""The production web frontend's export, redone only when what it is built from changed:
`python -m clawscale.web_export`.

`reflex export --frontend-only` compiles the pages into static files (about 6 s). What the
export depends on is fingerprinted: the app's sources (`clawscale/`, `assets/`, `rxconfig.py`),
the pinned requirements, and the settings compiled into the pages (the public API URL, the
site's URL, CLAWSCALE_ENV). The fingerprint is stored beside the export after a successful
export; a start whose fingerprint matches serves the export as it is.
"""

import hashlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from reflex.utils.prerequisites import get_web_dir

from clawscale.settings import PROJECT_ROOT, Settings, get_settings

logger = logging.getLogger(__name__)

FALLBACK_PAGE = "__spa-fallback.html"
SOURCE_FOLDERS = ("clawscale", "assets")
SOURCE_FILES = ("rxconfig.py", "requirements.txt")
GENERATED_PARTS = frozenset({"__pycache__"})
GENERATED_SUFFIXES = frozenset({".pyc", ".mo"})
EXPORT_ARGUMENTS = ("-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod")


def build_dir() -> Path:
    """Where Reflex builds the frontend (under REFLEX_WEB_WORKDIR, `.web` by default)."""
    return PROJECT_ROOT / get_web_dir() / "build"


def export_dir() -> Path:
    """The exported site: prerendered pages, assets and the SPA fallback."""
    return build_dir() / "client"


def fingerprint_file() -> Path:
    """The fingerprint of the sources and settings the current export was made from."""
    return build_dir() / "clawscale-export.sha256"


def _source_files(root: Path) -> Iterator[Path]:
    for folder in SOURCE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            generated = path.suffix in GENERATED_SUFFIXES or GENERATED_PARTS & set(path.parts)
            if path.is_file() and not generated:
                yield path
    for name in SOURCE_FILES:
        if (root / name).is_file():
            yield root / name


def fingerprint(settings: Settings, root: Path = PROJECT_ROOT) -> str:
    """A digest of everything the export is built from."""
    digest = hashlib.sha256()
    for value in (
        settings.CLAWSCALE_ENV.value,
        settings.CLAWSCALE_PUBLIC_API_URL,
        settings.DOMAIN_CLIENT,
    ):
        digest.update(value.encode() + b"\0")
    for path in _source_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def export_is_current(settings: Settings) -> bool:
    """Whether an export exists and was made from these sources and settings."""
    stored = fingerprint_file()
    return (
        (export_dir() / FALLBACK_PAGE).is_file()
        and stored.is_file()
        and stored.read_text().strip() == fingerprint(settings)
    )


def export_when_changed(settings: Settings) -> bool:
    """Export the frontend unless the current export is up to date; whether it exported."""
    if export_is_current(settings):
        return False
    fingerprint_file().unlink(missing_ok=True)
    subprocess.run([sys.executable, *EXPORT_ARGUMENTS], cwd=PROJECT_ROOT, check=True)
    fingerprint_file().write_text(fingerprint(settings) + "\n")
    return True


def main() -> None:
    """Export when needed, saying which it did; exit non-zero when the export fails."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        exported = export_when_changed(get_settings())
    except subprocess.CalledProcessError as failure:
        sys.exit(f"exporting the frontend failed (exit status {failure.returncode})")
    if exported:
        logger.info("exported the frontend to %s", export_dir())
    else:
        logger.info("the frontend export is up to date: not exporting again")


if __name__ == "__main__":
    main()
