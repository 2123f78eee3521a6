"""Reflex's start-up: pointed at the configured npm registry, and its advice and warnings that
do not apply here dropped, while its other records still get through."""

import logging

import pytest

from clawscale.reflex_startup import quiet_reflex_startup
from clawscale.settings import Settings


def test_reflex_uses_the_configured_registry_and_drops_only_its_noise(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://old.example")
    quiet_reflex_startup(Settings(_env_file=None, NPM_CONFIG_REGISTRY="https://npm.example"))

    from reflex_base.environment import environment

    assert environment.NPM_CONFIG_REGISTRY.get() == "https://npm.example"
    with caplog.at_level(logging.INFO):
        runtimes = logging.getLogger("reflex.utils.js_runtimes")
        runtimes.warning("Your version (20.20.2) of Node.js is out of date. Upgrade to 22.22.0.")
        runtimes.warning("Bun or npm not found.")
        logging.getLogger("reflex.reflex").info(
            "Initialized app. Run `uv run reflex run` to start."
        )
        logging.getLogger("reflex.utils.registry").info("Failed to connect to https://x.example.")
    assert caplog.messages == ["Bun or npm not found."]
