"""Password hashing: argon2id for every new hash (argon2-cffi's recommended parameters, as
before), and bcrypt hashes imported from the seed gateway verified as they are, then reported
for an upgrade to argon2id at the next sign-in."""

from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.exceptions import HashVerificationError, UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

MIN_PASSWORD_LENGTH = 8
BCRYPT_MAX_PASSWORD_BYTES = 72
"""bcrypt reads only this many bytes; the seed's bcryptjs cut longer passwords there, while
Python's bcrypt refuses them, so they are cut the same way before checking a seed hash."""


class SeedBcryptHasher(BcryptHasher):
    """Verifies the seed's bcrypt hashes as bcryptjs made them (never hashes anew here)."""

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        encoded = password.encode() if isinstance(password, str) else password
        return super().verify(encoded[:BCRYPT_MAX_PASSWORD_BYTES], hash)


_hasher = PasswordHash((Argon2Hasher(), SeedBcryptHasher()))


@dataclass(frozen=True)
class PasswordCheck:
    """Whether a password matched its hash, and the argon2id hash to store instead when the
    stored one is of an older kind (or older parameters)."""

    matches: bool
    upgraded_hash: str | None = None


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> PasswordCheck:
    """Check `password` against `password_hash` (argon2id or the seed's bcrypt); a missing,
    malformed or unknown hash matches nothing."""
    if not password_hash:
        return PasswordCheck(matches=False)
    try:
        matches, upgraded = _hasher.verify_and_update(password, password_hash)
    except (UnknownHashError, HashVerificationError):
        return PasswordCheck(matches=False)
    return PasswordCheck(matches=matches, upgraded_hash=upgraded if matches else None)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; false for a missing or malformed hash."""
    return check_password(password_hash, password).matches
