"""Field validators shared by request models: domain rules surfaced as 400 `invalid_body`."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from pydantic import AfterValidator

from clawscale.domain.accounts.email_addresses import validated_email
from clawscale.domain.errors import Invalid


def email_or_value_error(value: str) -> str:
    """The normalised email, or a ValueError that request validation reports."""
    try:
        return validated_email(value)
    except Invalid as error:
        raise ValueError(error.message or error.code) from error


def absolute_http_url(value: str) -> str:
    """The URL when it is absolute http(s); a ValueError otherwise."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


def follows(rule: Callable[[Any], str]) -> AfterValidator:
    """A validator that refuses a value the domain's `rule` finds a problem with."""

    def check(value: Any) -> Any:
        problem = rule(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)
