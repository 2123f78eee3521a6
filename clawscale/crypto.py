"""Encryption at rest and in short-lived links (Fernet keyed from CLAWSCALE_SECRET_KEY), and the
constant-time comparison of configured secrets."""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


@lru_cache(maxsize=8)
def fernet_for(secret_key: str) -> Fernet:
    """A Fernet cipher whose key is derived from the configured secret."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


def encrypt_text(secret_key: str, plaintext: str) -> str:
    """`plaintext` encrypted and authenticated, as text."""
    return fernet_for(secret_key).encrypt(plaintext.encode()).decode()


def decrypt_text(
    secret_key: str, ciphertext: str, max_age_seconds: int | None = None
) -> str | None:
    """The plaintext, or None when the ciphertext is forged, damaged or older than `max_age`."""
    try:
        return fernet_for(secret_key).decrypt(ciphertext.encode(), ttl=max_age_seconds).decode()
    except (InvalidToken, ValueError):
        return None


def reencrypt_text(old_key: str, new_key: str, ciphertext: str) -> str:
    """`ciphertext` re-encrypted under `new_key` (it may be under either key already).

    Raises InvalidToken when neither key opens it.
    """
    rotator = MultiFernet([fernet_for(new_key), fernet_for(old_key)])
    return rotator.rotate(ciphertext.encode()).decode()


def constant_time_equal(expected: str, given: str | None) -> bool:
    """Whether `given` equals the configured `expected` secret, in constant time; an empty or
    unset `expected` matches nothing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
