"""Every environment variable of the gateway, typed, in one place.

Values come from the process environment and, when present, a `.env` file in the working
directory (or the file CLAWSCALE_ENV_FILE names). Development defaults work out of the box; the
public URLs follow the ports unless set. What production refuses to start with is checked by
`clawscale.startup_checks`.
"""

import os
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from clawscale.client_address import ForwardingHeader, Network, parse_networks

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


class MailTransport(StrEnum):
    """How transactional mail leaves: through Resend, or not at all (kept for admins to see)."""

    RESEND = "resend"
    NONE = "none"


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

    WEB_PORT: int = 4040
    API_PORT: int = 4041
    CORS_ORIGIN: str = ""
    DOMAIN_CLIENT: str = ""
    CLAWSCALE_PUBLIC_API_URL: str = ""
    GRANIAN_WORKERS: int | None = None

    MAIL_TRANSPORT: MailTransport = MailTransport.RESEND
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
    STOP_GRACE_SECONDS: float = 8.0

    AUTH_RATE_LIMIT_PER_IP: str = "30/minute"
    AUTH_RATE_LIMIT_PER_EMAIL: str = "10/minute"
    AUTH_RATE_LIMIT_PER_IP_EMAIL: str = "10/minute"
    TRUSTED_PROXIES: str = ""
    TRUSTED_PROXY_HEADER: ForwardingHeader = "x-forwarded-for"
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

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @cached_property
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        """TRUSTED_PROXIES as networks (a bare address is a network of one)."""
        return parse_networks(self.TRUSTED_PROXIES)

    @model_validator(mode="after")
    def _public_urls_follow_the_ports(self) -> Self:
        """Unset public URLs name this host's ports: the API at API_PORT, the site at WEB_PORT,
        and the site as the one CORS origin."""
        if not self.CLAWSCALE_PUBLIC_API_URL:
            self.CLAWSCALE_PUBLIC_API_URL = f"http://localhost:{self.API_PORT}"
        if not self.DOMAIN_CLIENT:
            self.DOMAIN_CLIENT = f"http://localhost:{self.WEB_PORT}"
        if not self.CORS_ORIGIN:
            self.CORS_ORIGIN = self.DOMAIN_CLIENT
        return self

    @property
    def backend_workers(self) -> int:
        """How many backend processes serve the API: GRANIAN_WORKERS when set; else one per
        core with Redis (page state shared), one without."""
        if self.GRANIAN_WORKERS is not None:
            return self.GRANIAN_WORKERS
        return (os.cpu_count() or 1) if self.REDIS_URL else 1

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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once: the environment over `.env` (or over the file
    CLAWSCALE_ENV_FILE names)."""
    return Settings(_env_file=os.environ.get("CLAWSCALE_ENV_FILE") or ".env")
