"""Every environment variable of the gateway, typed, in one place.

Values come from the process environment and, when present, a `.env` file in the working
directory. Development defaults work out of the box; in production (`CLAWSCALE_ENV=production`)
`check_production_secrets` refuses any secret still at its development default.
"""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'clawscale.db'}"

DEV_ADMIN_JWT_SECRET = "dev-admin-jwt-secret-change-me-in-production"
DEV_CUSTOMER_JWT_SECRET = "dev-customer-jwt-secret-change-me-in-production"
DEV_SECRET_KEY = "dev-clawscale-secret-key-change-me"
DEV_OUTBOUND_API_KEY = "dev-outbound-api-key"
DEV_IDENTITY_API_KEY = "dev-identity-api-key"

SECRETS_WITH_DEV_DEFAULTS: dict[str, str] = {
    "ADMIN_JWT_SECRET": DEV_ADMIN_JWT_SECRET,
    "CUSTOMER_JWT_SECRET": DEV_CUSTOMER_JWT_SECRET,
    "CLAWSCALE_SECRET_KEY": DEV_SECRET_KEY,
    "CLAWSCALE_OUTBOUND_API_KEY": DEV_OUTBOUND_API_KEY,
    "CLAWSCALE_IDENTITY_API_KEY": DEV_IDENTITY_API_KEY,
}


class LogFormat(StrEnum):
    """How log lines are written: one JSON object per line, or plain text."""

    JSON = "json"
    TEXT = "text"


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Environment(StrEnum):
    """Where the gateway runs; production forbids development secrets."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class InsecureSettingsError(RuntimeError):
    """Production mode was asked for while a secret still has its development default."""


def normalise_database_url(url: str) -> str:
    """Make any PostgreSQL URL use the psycopg 3 driver; leave others as they are."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """The gateway's configuration, read from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    CLAWSCALE_ENV: Environment = Environment.DEVELOPMENT
    DATABASE_URL: str = DEFAULT_SQLITE_URL
    REDIS_URL: str = ""

    ADMIN_JWT_SECRET: str = DEV_ADMIN_JWT_SECRET
    CUSTOMER_JWT_SECRET: str = DEV_CUSTOMER_JWT_SECRET
    CLAWSCALE_SECRET_KEY: str = DEV_SECRET_KEY
    CLAWSCALE_OUTBOUND_API_KEY: str = DEV_OUTBOUND_API_KEY
    CLAWSCALE_IDENTITY_API_KEY: str = DEV_IDENTITY_API_KEY
    METRICS_API_KEY: str = ""
    COKE_PLATFORM_TENANT_ID: str = "coke"

    CORS_ORIGIN: str = "http://localhost:4040"
    DOMAIN_CLIENT: str = "http://localhost:4040"
    CLAWSCALE_PUBLIC_API_URL: str = "http://localhost:4041"
    WEB_PORT: int = 4040
    API_PORT: int = 4041

    RESEND_API_KEY: str = ""
    RESEND_API_BASE_URL: str = "https://api.resend.com"
    EMAIL_FROM: str = "no-reply@clawscale.local"
    EMAIL_FROM_NAME: str = "ClawScale"

    STRIPE_SECRET_KEY: str = ""
    STRIPE_WEBHOOK_SECRET: str = ""
    STRIPE_PRICE_ID: str = ""
    STRIPE_API_BASE_URL: str = "https://api.stripe.com"

    GOOGLE_CALENDAR_CLIENT_ID: str = ""
    GOOGLE_CALENDAR_CLIENT_SECRET: str = Field(default="", repr=False)
    GOOGLE_CALENDAR_STATE_SECRET: str = Field(default="", repr=False)
    GOOGLE_OAUTH_AUTHORIZE_URL: str = "https://accounts.google.com/o/oauth2/v2/auth"
    GOOGLE_OAUTH_TOKEN_URL: str = "https://oauth2.googleapis.com/token"
    GOOGLE_CALENDAR_API_URL: str = "https://www.googleapis.com/calendar/v3"

    WECHAT_ILINK_BASE_URL: str = "https://ilinkai.weixin.qq.com"
    EVOLUTION_API_BASE_URL: str = "http://localhost:8080"
    GEWE_API_BASE_URL: str = "http://api.geweapi.com"
    LINQ_API_BASE_URL: str = "https://api.linqapp.com/api/partner/v3"
    TELEGRAM_API_BASE_URL: str = "https://api.telegram.org"
    WHATSAPP_GRAPH_API_BASE_URL: str = "https://graph.facebook.com/v21.0"

    CLAWSCALE_RUN_WORKERS: bool = True
    DELIVERY_LEASE_SECONDS: float = 60.0

    AUTH_RATE_LIMIT_PER_IP: str = "30/minute"
    AUTH_RATE_LIMIT_PER_EMAIL: str = "10/minute"
    API_KEY_RATE_LIMIT: str = "200/second"
    WEBHOOK_RATE_LIMIT: str = "100/second"
    WEB_CHAT_MESSAGES_PER_VISITOR: str = "20/minute"
    WEB_CHAT_MESSAGES_PER_CHANNEL: str = "600/minute"
    WEB_CHAT_READS_PER_VISITOR: str = "120/minute"
    WEB_CHAT_NEW_VISITORS_PER_CHANNEL: str = "120/minute"
    WEB_CHAT_NEW_VISITORS_PER_ADDRESS: str = "30/hour"

    DEMO_AGENT: bool | None = None

    LOG_FORMAT: LogFormat = LogFormat.TEXT
    LOG_LEVEL: LogLevel = "INFO"
    WORKER_METRICS_PORT: int = 0
    WORKER_METRICS_HOST: str = "127.0.0.1"
    NPM_CONFIG_REGISTRY: str = "https://registry.npmjs.org"

    ADMIN_BOOTSTRAP_EMAIL: str = ""
    ADMIN_BOOTSTRAP_PASSWORD: str = Field(default="", repr=False)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def _use_psycopg(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def cors_origins(self) -> list[str]:
        """CORS_ORIGIN as a list (comma-separated in the environment)."""
        return [origin.strip() for origin in self.CORS_ORIGIN.split(",") if origin.strip()]

    @property
    def demo_agent_wanted(self) -> bool:
        """Whether the built-in demo agent and its chat are set up: DEMO_AGENT when given, else
        in development only."""
        if self.DEMO_AGENT is not None:
            return self.DEMO_AGENT
        return self.CLAWSCALE_ENV is Environment.DEVELOPMENT

    def check_production_secrets(self) -> None:
        """Refuse production mode while any secret keeps its development default."""
        if self.CLAWSCALE_ENV is not Environment.PRODUCTION:
            return
        defaulted = [
            name
            for name, default in SECRETS_WITH_DEV_DEFAULTS.items()
            if getattr(self, name) in ("", default)
        ]
        if defaulted:
            raise InsecureSettingsError(
                "Refusing to start in production with development or empty secrets: "
                + ", ".join(defaulted)
                + ". Set each of them in the environment."
            )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
