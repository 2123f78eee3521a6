"""External identities: a person as a provider knows them, normalised and mapped to a customer.

An identity is the triple (provider, identity_type, identity_value), unique once normalised by
the rules of CONTRACT.md ("Ids and model words"): provider and type are trimmed and lower-cased;
the value is trimmed; a WhatsApp `wa_id` keeps only its digits; a Linq `phone_number` becomes `+`
and its digits; any other value is kept verbatim.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from clawscale.addresses import digits_only, plus_and_digits
from clawscale.db import insert_or_find
from clawscale.domain.errors import Invalid
from clawscale.models import Customer, ExternalIdentity
from clawscale.models.base import utcnow

WHATSAPP_PROVIDERS = frozenset({"whatsapp", "whatsapp_business", "whatsapp_evolution"})
LINQ_PROVIDER = "linq"
WA_ID = "wa_id"
PHONE_NUMBER = "phone_number"
EXTERNAL_ID = "external_id"

MAX_LABEL_LENGTH = 40
MAX_VALUE_LENGTH = 255


CustomerFactory = Callable[[Session], Customer]


@dataclass(frozen=True)
class IdentityKey:
    """A normalised (provider, identity_type, identity_value): equal keys are one person."""

    provider: str
    identity_type: str
    value: str


def normalise_label(label: str) -> str:
    """A provider or identity type: trimmed and lower-cased."""
    return label.strip().lower()


def trimmed(value: str) -> str:
    """Any other value: trimmed, otherwise verbatim."""
    return value.strip()


def _value_rule(provider: str, identity_type: str) -> Callable[[str], str]:
    """How a value is normalised for an already normalised provider and type."""
    if provider in WHATSAPP_PROVIDERS and identity_type == WA_ID:
        return digits_only
    if provider == LINQ_PROVIDER and identity_type == PHONE_NUMBER:
        return plus_and_digits
    return trimmed


def identity_type_for_provider(provider: str) -> str:
    """The identity type a provider's people are known by."""
    normalised = normalise_label(provider)
    if normalised == LINQ_PROVIDER:
        return PHONE_NUMBER
    if normalised in WHATSAPP_PROVIDERS:
        return WA_ID
    return EXTERNAL_ID


def normalise_identity(provider: str, identity_type: str, value: str) -> IdentityKey:
    """The normalised key; Invalid `invalid_identity` when a part is empty or too long."""
    key_provider = normalise_label(provider)
    key_type = normalise_label(identity_type)
    key_value = _value_rule(key_provider, key_type)(value)
    _require_length("provider", key_provider, MAX_LABEL_LENGTH)
    _require_length("identity type", key_type, MAX_LABEL_LENGTH)
    _require_length("identity value", key_value, MAX_VALUE_LENGTH)
    return IdentityKey(key_provider, key_type, key_value)


def _require_length(part: str, text: str, limit: int) -> None:
    if not 0 < len(text) <= limit:
        raise Invalid(
            "invalid_identity", f"The {part} must be 1 to {limit} characters once normalised."
        )


def find_external_identity(db: Session, key: IdentityKey) -> ExternalIdentity | None:
    """The stored identity with this normalised key, if any."""
    return db.exec(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == key.provider,
            ExternalIdentity.identity_type == key.identity_type,
            ExternalIdentity.identity_value == key.value,
        )
    ).first()


def _insert_identity(
    db: Session,
    key: IdentityKey,
    owner: str | CustomerFactory,
    channel_id: str | None,
    seen_at: datetime,
) -> ExternalIdentity:
    customer_id = owner if isinstance(owner, str) else owner(db).id
    row = ExternalIdentity(
        provider=key.provider,
        identity_type=key.identity_type,
        identity_value=key.value,
        customer_id=customer_id,
        first_seen_channel_id=channel_id,
        first_seen_at=seen_at,
        last_seen_at=seen_at,
    )
    db.add(row)
    db.flush()
    return row


def _owner(
    customer_id: str | None, customer_factory: CustomerFactory | None
) -> str | CustomerFactory:
    if customer_id is not None and customer_factory is None:
        return customer_id
    if customer_factory is not None and customer_id is None:
        return customer_factory
    raise TypeError("give exactly one of customer_id and customer_factory")


def find_or_create_external_identity(
    db: Session,
    provider: str,
    identity_type: str,
    value: str,
    *,
    customer_id: str | None = None,
    customer_factory: CustomerFactory | None = None,
    channel_id: str | None = None,
) -> ExternalIdentity:
    """The identity for this (normalised) key, created on first contact; last seen now.

    A new identity belongs to `customer_id`, or to the customer `customer_factory` creates; the
    factory runs only when the identity is new, inside the same savepoint, so a contact that
    loses a concurrent race leaves no stray customer behind. Give exactly one of the two.
    """
    owner = _owner(customer_id, customer_factory)
    key = normalise_identity(provider, identity_type, value)
    seen_at = utcnow()
    row = find_external_identity(db, key) or insert_or_find(
        db,
        lambda: _insert_identity(db, key, owner, channel_id, seen_at),
        lambda: find_external_identity(db, key),
    )
    row.last_seen_at = seen_at
    db.add(row)
    db.flush()
    return row
