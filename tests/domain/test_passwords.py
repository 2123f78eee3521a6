"""Password hashes: our argon2id ones stay valid, the seed's bcrypt ones verify and are upgraded."""

import bcrypt
import pytest
from argon2 import PasswordHasher

from clawscale.domain.accounts.passwords import check_password, hash_password, verify_password

PASSWORD = "correct horse battery"


def seed_hash(password: bytes, prefix: bytes = b"2a") -> str:
    """A hash as the seed's bcryptjs wrote it (`$2a$`, or `$2b$` from newer versions)."""
    return bcrypt.hashpw(password, bcrypt.gensalt(4, prefix)).decode()


def test_new_hashes_are_argon2id_and_need_no_upgrade():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert check_password(stored, PASSWORD).matches
    assert check_password(stored, PASSWORD).upgraded_hash is None
    assert not verify_password(stored, "wrong password")


def test_hashes_made_before_pwdlib_still_verify():
    stored = PasswordHasher().hash(PASSWORD)
    check = check_password(stored, PASSWORD)
    assert (check.matches, check.upgraded_hash) == (True, None)


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_a_seed_bcrypt_hash_verifies_and_is_upgraded_to_argon2id(prefix):
    stored = seed_hash(PASSWORD.encode(), prefix)
    check = check_password(stored, PASSWORD)
    assert check.matches
    assert check.upgraded_hash is not None and check.upgraded_hash.startswith("$argon2id$")
    assert verify_password(check.upgraded_hash, PASSWORD)
    assert check_password(stored, "wrong password") == check_password(None, PASSWORD)


def test_a_long_seed_password_is_read_to_72_bytes_as_bcryptjs_did():
    long_password = "p" * 80
    stored = seed_hash(long_password.encode()[:72])
    assert verify_password(stored, long_password)
    assert not verify_password(stored, "p" * 71)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$2a$04$short", "$argon2id$broken"])
def test_missing_malformed_and_unknown_hashes_match_nothing(stored):
    check = check_password(stored, PASSWORD)
    assert (check.matches, check.upgraded_hash) == (False, None)
