"""Settings: defaults that work, PostgreSQL URLs on psycopg 3, production refusing dev secrets."""

import pytest

from clawscale.settings import (
    SECRETS_WITH_DEV_DEFAULTS,
    InsecureSettingsError,
    Settings,
)

PRODUCTION_SECRETS = {name: f"a-real-{name.lower()}-value" for name in SECRETS_WITH_DEV_DEFAULTS}


def test_development_defaults_work_out_of_the_box(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    settings.check_production_secrets()
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.WEB_PORT == 4040
    assert settings.API_PORT == 4041


@pytest.mark.parametrize(
    "given",
    ["postgres://u:p@db:5432/app", "postgresql://u:p@db:5432/app"],
)
def test_postgresql_urls_use_psycopg3(given):
    assert Settings(_env_file=None, DATABASE_URL=given).DATABASE_URL == (
        "postgresql+psycopg://u:p@db:5432/app"
    )


def test_production_refuses_default_secrets_and_names_them():
    settings = Settings(_env_file=None, CLAWSCALE_ENV="production")
    with pytest.raises(InsecureSettingsError) as refusal:
        settings.check_production_secrets()
    for name in SECRETS_WITH_DEV_DEFAULTS:
        assert name in str(refusal.value)


def test_production_names_only_the_secret_left_at_its_default():
    secrets = dict(
        PRODUCTION_SECRETS, CUSTOMER_JWT_SECRET="dev-customer-jwt-secret-change-me-in-production"
    )
    settings = Settings(_env_file=None, CLAWSCALE_ENV="production", **secrets)
    with pytest.raises(InsecureSettingsError, match="CUSTOMER_JWT_SECRET") as refusal:
        settings.check_production_secrets()
    assert "ADMIN_JWT_SECRET" not in str(refusal.value)


def test_production_refuses_an_empty_secret():
    secrets = dict(PRODUCTION_SECRETS, CLAWSCALE_OUTBOUND_API_KEY="")
    settings = Settings(_env_file=None, CLAWSCALE_ENV="production", **secrets)
    with pytest.raises(InsecureSettingsError, match="CLAWSCALE_OUTBOUND_API_KEY"):
        settings.check_production_secrets()


def test_production_starts_with_real_secrets():
    Settings(
        _env_file=None, CLAWSCALE_ENV="production", **PRODUCTION_SECRETS
    ).check_production_secrets()


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("CORS_ORIGIN", "https://a.example, https://b.example")
    monkeypatch.setenv("WECHAT_ILINK_BASE_URL", "http://127.0.0.1:9999")
    settings = Settings(_env_file=None)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.WECHAT_ILINK_BASE_URL == "http://127.0.0.1:9999"
