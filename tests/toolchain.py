"""The toolchain's environment for a `pytest` run by hand: what scripts/test exports, read from
the same file (scripts/toolchain.env), so browser tests find bun after `scripts/test` or
`scripts/run` has set the project up."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / "scripts" / "toolchain.env"


def _value(raw: str) -> str:
    return str(ROOT / raw) if raw.startswith(".") else raw


def apply_toolchain_environment(environ: dict[str, str] | None = None) -> None:
    """Put the toolchain's folders first on PATH (unless there already) and set its variables
    (unless already set)."""
    env = os.environ if environ is None else environ
    for line in ENV_FILE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, raw = line.partition("=")
        value = _value(raw)
        if name == "PATH+":
            folders = env.get("PATH", "").split(os.pathsep)
            if value not in folders:
                env["PATH"] = os.pathsep.join([value, *folders])
        else:
            env.setdefault(name, value)
