"""The webhook side of a shared channel kind: the interface, its outcomes and shared checks.

A shared channel kind is a `ChannelAdapter` (it sends) that also receives provider webhooks:

- `verify_request` authenticates one request as the provider signs it (raise `WebhookRejected`,
  answered 403, nothing stored). The path token every webhook URL carries is checked before it,
  for every kind, by `verify_path_token`.
- `parse_inbound` turns the verified JSON payload into the messages a person sent; the kind's own
  messages, group chats and broadcasts are left out.
- `connect` registers our webhook URL with the provider and `disconnect` clears it; both answer
  the config and secret values to store (e.g. a subscription id and its signing secret) or raise
  `ProviderError` (answered 502, the channel row unchanged).

Kinds whose provider proves the URL with a GET challenge (Meta) also implement `ChallengeAdapter`.
Comparisons of tokens and signatures are constant-time; nothing here logs or echoes a secret.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import httpx

from clawscale.channels.base import ChannelAdapter, ChannelCredentials, InboundMessage
from clawscale.crypto import constant_time_equal

WEBHOOK_TOKEN = "webhook_token"
BASE_URL = "base_url"


class WebhookRejected(Exception):
    """The request is not the provider's (bad token, signature or timestamp): 403."""


class MalformedPayload(Exception):
    """A verified request whose body is not the JSON the provider sends: 400."""


class ProviderError(Exception):
    """A connect or disconnect call to the provider failed; the message holds no secret."""


@dataclass(frozen=True)
class WebhookRequest:
    """One webhook request as received: header names lower-cased, the body's exact bytes."""

    method: str
    path_token: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        """A header's value, trimmed ("" when absent)."""
        return self.headers.get(name.lower(), "").strip()


@dataclass(frozen=True)
class ChannelDataUpdate:
    """Config and secret values a connect or disconnect stores ("" clears a value)."""

    config: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KindSchema:
    """The config and secret names of a kind.

    Admins set `required_*` and `optional_*` values; `managed_*` values are written by
    `connect`/`disconnect` only. Every kind also has the generated `webhook_token` secret;
    `provider_webhooks` is False for a kind no provider calls (its webhook URL is never shown).
    """

    required_config: tuple[str, ...] = ()
    optional_config: tuple[str, ...] = (BASE_URL,)
    required_secrets: tuple[str, ...] = ()
    optional_secrets: tuple[str, ...] = ()
    managed_config: tuple[str, ...] = ()
    managed_secrets: tuple[str, ...] = ()
    provider_webhooks: bool = True

    @property
    def secret_names(self) -> tuple[str, ...]:
        """Every secret a channel of this kind may hold (for the `has_...` flags)."""
        return (
            WEBHOOK_TOKEN,
            *self.required_secrets,
            *self.optional_secrets,
            *self.managed_secrets,
        )


@runtime_checkable
class SharedChannelAdapter(ChannelAdapter, Protocol):
    """A channel kind an admin configures once and many people write to."""

    kind: str
    schema: ClassVar[KindSchema]

    def verify_request(self, credentials: ChannelCredentials, request: WebhookRequest) -> None:
        """Authenticate the request beyond its path token; WebhookRejected when it fails."""
        ...

    def parse_inbound(
        self, credentials: ChannelCredentials, payload: object
    ) -> list[InboundMessage]:
        """The routable messages of a verified payload (own, group and broadcast ones left out)."""
        ...

    async def connect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Point the provider's webhook at `webhook_url`; ProviderError when it refuses."""
        ...

    async def disconnect(
        self, client: httpx.AsyncClient, credentials: ChannelCredentials, webhook_url: str
    ) -> ChannelDataUpdate:
        """Stop the provider's webhook; ProviderError when it refuses."""
        ...


@runtime_checkable
class ChallengeAdapter(Protocol):
    """A kind whose provider proves a webhook URL with a GET challenge before using it."""

    def answer_challenge(self, credentials: ChannelCredentials, request: WebhookRequest) -> str:
        """The text to echo back; WebhookRejected when the challenge is not ours."""
        ...


def require_equal(expected: str, given: str, what: str) -> None:
    """WebhookRejected unless `given` equals the configured `expected` value."""
    if not constant_time_equal(expected, given):
        raise WebhookRejected(f"{what} does not match")


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    """The hex HMAC-SHA256 of `message` keyed with `secret`."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def require_hmac_sha256(secret: str, message: bytes, signature_hex: str, what: str) -> None:
    """WebhookRejected unless `signature_hex` is the HMAC-SHA256 of `message` under `secret`."""
    if not secret:
        raise WebhookRejected(f"{what}: no signing secret is configured")
    require_equal(hmac_sha256_hex(secret, message), signature_hex.lower(), what)


def verify_path_token(credentials: ChannelCredentials, request: WebhookRequest) -> None:
    """The token in the webhook URL must be the channel's `webhook_token` (every kind)."""
    require_equal(credentials.secrets.get(WEBHOOK_TOKEN, ""), request.path_token, "path token")


def parse_json_body(body: bytes) -> object:
    """The body decoded as JSON; MalformedPayload when it is not."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedPayload("the body is not JSON") from error


def base_url(credentials: ChannelCredentials, default: str) -> str:
    """The channel's own `base_url` when configured, else the settings' default, no trailing /."""
    return (credentials.config.get(BASE_URL) or default).rstrip("/")


def as_dict(value: object) -> dict[str, object]:
    """`value` when it is a JSON object, else an empty one (payload fields are untrusted)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[object]:
    """`value` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_text(value: object) -> str:
    """A string or number field as trimmed text ("" for anything else)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, str | int):
        return str(value).strip()
    return ""


def dig(document: object, *path: str) -> object:
    """The value at `path` inside nested JSON objects (None when any step is missing)."""
    current = document
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
