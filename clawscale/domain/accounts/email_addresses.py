"""Email addresses as the gateway stores and compares them: trimmed and case-folded."""

from clawscale.domain.errors import Invalid


def normalise_email(email: str) -> str:
    """An email address trimmed and case-folded."""
    return email.strip().casefold()


def validated_email(email: str) -> str:
    """The normalised email; `invalid_email` when it is not a plausible address."""
    normalised = normalise_email(email)
    local, _, domain = normalised.partition("@")
    if not local or "." not in domain or " " in normalised or len(normalised) > 320:
        raise Invalid("invalid_email", "The email address is not valid.")
    return normalised
