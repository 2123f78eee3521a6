"""Settings: defaults that work, PostgreSQL URLs on psycopg 3, public URLs that follow the ports,
and the environment file CLAWSCALE_ENV_FILE names."""

import pytest

from clawscale.settings import Settings, get_settings


def test_development_defaults_work_out_of_the_box(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.WEB_PORT == 4040
    assert settings.API_PORT == 4041
    assert settings.CLAWSCALE_PUBLIC_API_URL == "http://localhost:4041"
    assert settings.DOMAIN_CLIENT == "http://localhost:4040"
    assert settings.cors_origins == ["http://localhost:4040"]


@pytest.mark.parametrize(
    "given",
    ["postgres://u:p@db:5432/app", "postgresql://u:p@db:5432/app"],
)
def test_postgresql_urls_use_psycopg3(given):
    assert Settings(_env_file=None, DATABASE_URL=given).DATABASE_URL == (
        "postgresql+psycopg://u:p@db:5432/app"
    )


def test_unset_public_urls_follow_the_ports():
    settings = Settings(_env_file=None, WEB_PORT=5040, API_PORT=5041)
    assert settings.CLAWSCALE_PUBLIC_API_URL == "http://localhost:5041"
    assert settings.DOMAIN_CLIENT == "http://localhost:5040"
    assert settings.cors_origins == ["http://localhost:5040"]


def test_public_urls_set_are_kept():
    settings = Settings(
        _env_file=None,
        API_PORT=5041,
        CLAWSCALE_PUBLIC_API_URL="https://api.example.com",
        DOMAIN_CLIENT="https://app.example.com",
    )
    assert settings.CLAWSCALE_PUBLIC_API_URL == "https://api.example.com"
    assert settings.cors_origins == ["https://app.example.com"]


def test_one_backend_process_without_redis_one_per_core_with_it():
    assert Settings(_env_file=None).backend_workers == 1
    assert Settings(_env_file=None, REDIS_URL="redis://r:6379").backend_workers >= 1
    assert Settings(_env_file=None, GRANIAN_WORKERS=3).backend_workers == 3


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("CORS_ORIGIN", "https://a.example, https://b.example")
    monkeypatch.setenv("WECHAT_ILINK_BASE_URL", "http://127.0.0.1:9999")
    settings = Settings(_env_file=None)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.WECHAT_ILINK_BASE_URL == "http://127.0.0.1:9999"


def test_the_env_file_named_by_clawscale_env_file_is_read(monkeypatch, tmp_path):
    env_file = tmp_path / "gateway.env"
    env_file.write_text("API_PORT=6041\nMAIL_TRANSPORT=none\n")
    monkeypatch.setenv("CLAWSCALE_ENV_FILE", str(env_file))
    monkeypatch.delenv("API_PORT", raising=False)
    get_settings.cache_clear()
    try:
        settings = get_settings()
    finally:
        get_settings.cache_clear()
    assert settings.API_PORT == 6041
    assert settings.CLAWSCALE_PUBLIC_API_URL == "http://localhost:6041"
    assert settings.MAIL_TRANSPORT == "none"
