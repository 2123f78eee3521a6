"""Calendar-import hand-offs: the link a runtime sends a chat person to import their calendar.

The runtime posts the conversation's identity key and gets a link to
`/handoff/calendar-import?token=...`, valid 15 minutes; only the token's SHA-256 is stored.
A signed-in, active customer who opens it claims it: the chat identity (provider, type, value
of the sender) is moved to their account if it still belongs to the chat-created customer, or
refused with `identity_already_bound` if another account holds it. A run started from a
claimed hand-off consumes it, so the link works for one import.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session, select

from clawscale.domain.accounts.customers import claim_entry_token
from clawscale.domain.accounts.identities import (
    identity_type_for_provider,
    normalise_identity,
)
from clawscale.domain.errors import Conflict, Forbidden, NotFound
from clawscale.models import (
    CalendarImportHandoff,
    Channel,
    ClaimStatus,
    Customer,
    ExternalIdentity,
    HandoffStatus,
    Identity,
    Membership,
    MembershipRole,
)
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.web_links import web_url

HANDOFF_LIFETIME = timedelta(minutes=15)
HANDOFF_PATH = "/handoff/calendar-import"
IMPORT_PAGE_PATH = "/account/calendar-import"
CLAIM_ENTRY_PATH = "/auth/claim-entry"
SIGN_IN_PATH = "/auth/login"


@dataclass(frozen=True)
class HandoffRequest:
    """What the runtime names when it asks for a link: the chat conversation's identity key."""

    source_customer_id: str
    tenant_id: str
    channel_id: str
    end_user_id: str
    external_id: str
    gateway_conversation_id: str
    business_conversation_key: str


@dataclass(frozen=True)
class HandoffLink:
    """A new link and when it stops working."""

    url: str
    expires_at: datetime


def token_digest(token: str) -> str:
    """The stored form of a hand-off token."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _sender_identity(db: Session, channel_id: str, external_id: str) -> tuple[str, str, str]:
    """The (provider, type, value) the chat sender is known by on the channel."""
    channel = db.get(Channel, channel_id)
    provider = channel.kind if channel is not None else "external"
    key = normalise_identity(provider, identity_type_for_provider(provider), external_id)
    return key.provider, key.identity_type, key.value


def create_handoff(db: Session, settings: Settings, request: HandoffRequest) -> HandoffLink:
    """Store a new hand-off for the runtime's conversation and return its link (404
    `customer_not_found` for a customer we do not know)."""
    if db.get(Customer, request.source_customer_id) is None:
        raise NotFound("customer_not_found", "No customer has this id.")
    token = secrets.token_urlsafe(32)
    provider, identity_type, value = _sender_identity(db, request.channel_id, request.external_id)
    handoff = CalendarImportHandoff(
        token_hash=token_digest(token),
        source_customer_id=request.source_customer_id,
        provider=provider,
        identity_type=identity_type,
        identity_value=value,
        tenant_id=request.tenant_id,
        channel_id=request.channel_id,
        end_user_id=request.end_user_id,
        external_id=request.external_id,
        gateway_conversation_id=request.gateway_conversation_id,
        business_conversation_key=request.business_conversation_key,
        expires_at=utcnow() + HANDOFF_LIFETIME,
    )
    db.add(handoff)
    db.flush()
    return HandoffLink(web_url(settings, HANDOFF_PATH, token=token), handoff.expires_at)


def _usable(db: Session, token: str, *, lock: bool = False) -> CalendarImportHandoff:
    """The hand-off of `token` while it may still be used: 404 unknown, 409 expired or used."""
    if not token.strip():
        raise NotFound("invalid_handoff", "This import link is not valid.")
    query = select(CalendarImportHandoff).where(
        CalendarImportHandoff.token_hash == token_digest(token)
    )
    handoff = db.exec(query.with_for_update() if lock else query).first()
    if handoff is None:
        raise NotFound("invalid_handoff", "This import link is not valid.")
    if handoff.expires_at <= utcnow():
        raise Conflict("expired_handoff", "This import link has expired.")
    if handoff.status == HandoffStatus.CONSUMED:
        raise Conflict("handoff_already_consumed", "This import link has already been used.")
    return handoff


def _owner(db: Session, customer_id: str, identity_id: str | None = None) -> Identity | None:
    """The owning identity of a customer (that one, when named)."""
    query = (
        select(Identity)
        .join(Membership, Membership.identity_id == Identity.id)
        .where(Membership.customer_id == customer_id, Membership.role == MembershipRole.OWNER)
    )
    if identity_id is not None:
        query = query.where(Identity.id == identity_id)
    return db.exec(query).first()


def _bind_sender(db: Session, handoff: CalendarImportHandoff, customer_id: str) -> None:
    """Give the chat sender's identity to `customer_id`, unless another account holds it."""
    identity = db.exec(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == handoff.provider,
            ExternalIdentity.identity_type == handoff.identity_type,
            ExternalIdentity.identity_value == handoff.identity_value,
        )
    ).first()
    if identity is None:
        first_seen = handoff.channel_id if db.get(Channel, handoff.channel_id) else None
        db.add(
            ExternalIdentity(
                provider=handoff.provider,
                identity_type=handoff.identity_type,
                identity_value=handoff.identity_value,
                customer_id=customer_id,
                first_seen_channel_id=first_seen,
            )
        )
    elif identity.customer_id == handoff.source_customer_id:
        identity.customer_id = customer_id
        db.add(identity)
    elif identity.customer_id != customer_id:
        raise Conflict(
            "identity_already_bound", "This chat account belongs to another account already."
        )


def claim_handoff(
    db: Session, token: str, customer_id: str, identity_id: str
) -> CalendarImportHandoff:
    """A signed-in customer takes the hand-off (and the chat sender's identity) as theirs."""
    handoff = _usable(db, token, lock=True)
    owner = _owner(db, customer_id, identity_id)
    if owner is None or owner.claim_status != ClaimStatus.ACTIVE:
        raise Forbidden("account_not_active", "Finish setting up your account first.")
    _bind_sender(db, handoff, customer_id)
    handoff.status = HandoffStatus.CLAIMED
    handoff.target_customer_id = customer_id
    handoff.target_identity_id = identity_id
    handoff.claimed_at = utcnow()
    db.add(handoff)
    db.flush()
    return handoff


def claimed_handoff(
    db: Session, token: str, customer_id: str, identity_id: str, *, lock: bool = False
) -> CalendarImportHandoff:
    """The hand-off this customer claimed, still usable (404 `invalid_handoff` otherwise)."""
    handoff = _usable(db, token, lock=lock)
    if (handoff.target_customer_id, handoff.target_identity_id) != (customer_id, identity_id):
        raise NotFound("invalid_handoff", "This import link is not valid.")
    return handoff


def consume_handoff(
    db: Session, handoff: CalendarImportHandoff, conversation_id: str, character_id: str
) -> None:
    """Mark the hand-off used by a run for the runtime's conversation and character."""
    handoff.status = HandoffStatus.CONSUMED
    handoff.target_conversation_id = conversation_id
    handoff.target_character_id = character_id
    handoff.consumed_at = utcnow()
    db.add(handoff)


def web_path(path: str, **params: str) -> str:
    """A same-site path with its query."""
    return f"{path}?{urlencode(params)}"


def continue_path(token: str) -> str:
    """Where a claimed hand-off continues: the import page, carrying the hand-off."""
    return web_path(IMPORT_PAGE_PATH, handoff=token)


def visitor_entry(db: Session, settings: Settings, token: str) -> str:
    """Where a person who opened the link signed out goes, to come back to it signed in: the
    owner of a chat-created account not yet claimed claims it (`/auth/claim-entry`, with a
    signed entry token); anyone else signs in."""
    handoff = _usable(db, token)
    back = web_path(HANDOFF_PATH, token=token)
    owner = _owner(db, handoff.source_customer_id)
    if owner is not None and owner.claim_status != ClaimStatus.ACTIVE:
        return web_path(CLAIM_ENTRY_PATH, entry=claim_entry_token(settings, owner.id), next=back)
    return web_path(SIGN_IN_PATH, next=back)
