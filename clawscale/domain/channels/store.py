"""Channel rows with their configuration and secrets encrypted at rest (Fernet).

Config (instance names, account ids, base URLs) and secrets (API keys, bot tokens) are each one
encrypted JSON document on the channel row. Secrets are write-only: no public shape carries them.
"""

import json
from functools import lru_cache

from sqlmodel import Session

from clawscale.channels.base import ChannelCredentials
from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.models.base import utcnow
from clawscale.settings import Settings


def seal_document(settings: Settings, document: dict[str, str]) -> str:
    """A channel's config or secrets document encrypted for its row ("" when empty)."""
    return encrypt_text(settings.CLAWSCALE_SECRET_KEY, json.dumps(document)) if document else ""


@lru_cache(maxsize=256)
def _opened(secret_key: str, sealed: str) -> dict[str, str]:
    """A sealed document decrypted once per process (every webhook and send opens its
    channel's); a new key or new contents make a new document."""
    plaintext = decrypt_text(secret_key, sealed)
    if plaintext is None:
        raise ValueError("channel data cannot be decrypted with CLAWSCALE_SECRET_KEY")
    return json.loads(plaintext)


def open_document(settings: Settings, sealed: str) -> dict[str, str]:
    """A sealed document opened (empty for "")."""
    return dict(_opened(settings.CLAWSCALE_SECRET_KEY, sealed)) if sealed else {}


def create_channel(
    db: Session,
    settings: Settings,
    kind: str,
    scope: ChannelScope,
    *,
    name: str = "",
    owner_customer_id: str | None = None,
    owner_agent_id: str | None = None,
    status: ChannelStatus = ChannelStatus.PENDING,
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Channel:
    """Store a new channel with its config and secrets sealed."""
    channel = Channel(
        kind=kind,
        scope=scope,
        name=name,
        owner_customer_id=owner_customer_id,
        owner_agent_id=owner_agent_id,
        status=status,
        config_encrypted=seal_document(settings, config or {}),
        secrets_encrypted=seal_document(settings, secrets or {}),
    )
    db.add(channel)
    db.flush()
    return channel


def channel_credentials(settings: Settings, channel: Channel) -> ChannelCredentials:
    """The channel's config and secrets, decrypted for an adapter."""
    return sealed_credentials(
        settings, channel.id, channel.kind, channel.config_encrypted, channel.secrets_encrypted
    )


def sealed_credentials(
    settings: Settings, channel_id: str, kind: str, config_sealed: str, secrets_sealed: str
) -> ChannelCredentials:
    """`channel_credentials` from a channel's columns read without its row."""
    return ChannelCredentials(
        channel_id=channel_id,
        kind=kind,
        config=open_document(settings, config_sealed),
        secrets=open_document(settings, secrets_sealed),
    )


def update_channel_data(
    db: Session,
    settings: Settings,
    channel: Channel,
    *,
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> None:
    """Merge new config and secret values into the sealed documents (None leaves one as is)."""
    if config is not None:
        channel.config_encrypted = seal_document(
            settings, {**open_document(settings, channel.config_encrypted), **config}
        )
    if secrets is not None:
        channel.secrets_encrypted = seal_document(
            settings, {**open_document(settings, channel.secrets_encrypted), **secrets}
        )
    channel.updated_at = utcnow()
    db.add(channel)
    db.flush()
