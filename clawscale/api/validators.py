"""Field validators shared by request models: domain rules surfaced as 400 `invalid_body`."""

from clawscale.domain.email_addresses import validated_email
from clawscale.domain.errors import Invalid


def email_or_value_error(value: str) -> str:
    """The normalised email, or a ValueError that request validation reports."""
    try:
        return validated_email(value)
    except Invalid as error:
        raise ValueError(error.message or error.code) from error
