"""Emailed one-time tokens (verify, reset, claim): stored hashed, expiring, single-use."""

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select, update

from clawscale.domain.errors import InvalidToken
from clawscale.models import OneTimeToken, TokenPurpose
from clawscale.models.base import utcnow

LIFETIMES: dict[TokenPurpose, timedelta] = {
    TokenPurpose.VERIFY_EMAIL: timedelta(minutes=15),
    TokenPurpose.RESET_PASSWORD: timedelta(minutes=15),
    TokenPurpose.CLAIM: timedelta(hours=24),
}


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(db: Session, identity_id: str, purpose: TokenPurpose) -> str:
    """A new raw token for the identity; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    db.add(
        OneTimeToken(
            token_hash=_digest(raw),
            purpose=purpose,
            identity_id=identity_id,
            expires_at=utcnow() + LIFETIMES[purpose],
        )
    )
    db.flush()
    return raw


def consume_token(db: Session, raw: str, purpose: TokenPurpose) -> OneTimeToken:
    """Use a token once: InvalidToken when unknown, of another purpose, expired or already used.

    The use is a conditional UPDATE, so two concurrent requests cannot both succeed.
    """
    token = db.exec(select(OneTimeToken).where(OneTimeToken.token_hash == _digest(raw))).first()
    now = utcnow()
    if token is None or token.purpose != purpose or token.expires_at <= now:
        raise InvalidToken("invalid_token", "This link is invalid or has expired.")
    claimed = db.exec(
        update(OneTimeToken)
        .where(col(OneTimeToken.id) == token.id, col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise InvalidToken("invalid_token", "This link has already been used.")
    return token
