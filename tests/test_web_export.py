"""The export's fingerprint: the same sources and settings give the same one; a changed page,
asset or public URL gives another; generated files do not count."""

from pathlib import Path

from clawscale.settings import Settings
from clawscale.web_export import fingerprint


def project(root: Path) -> Path:
    (root / "clawscale" / "pages").mkdir(parents=True)
    (root / "clawscale" / "pages" / "index.py").write_text("PAGE = 'landing'\n")
    (root / "assets").mkdir()
    (root / "assets" / "chat.js").write_text("console.log(1)\n")
    (root / "rxconfig.py").write_text("config = None\n")
    return root


def test_the_fingerprint_follows_sources_and_public_urls_only(tmp_path):
    root = project(tmp_path)
    settings = Settings(_env_file=None, CLAWSCALE_ENV="production")
    first = fingerprint(settings, root)
    assert fingerprint(settings, root) == first

    (root / "clawscale" / "__pycache__").mkdir()
    (root / "clawscale" / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    assert fingerprint(settings, root) == first

    assert (
        fingerprint(Settings(_env_file=None, CLAWSCALE_ENV="production", API_PORT=5041), root)
        != first
    )
    assert fingerprint(Settings(_env_file=None), root) != first

    (root / "assets" / "chat.js").write_text("console.log(2)\n")
    changed_asset = fingerprint(settings, root)
    assert changed_asset != first
    (root / "clawscale" / "pages" / "index.py").write_text("PAGE = 'home'\n")
    assert fingerprint(settings, root) not in (first, changed_asset)
