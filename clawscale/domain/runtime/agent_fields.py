"""The rules an agent's fields follow, one place for the admin API and the console: each rule
says what is wrong with a value ("" when it is fine), in words an operator can act on."""

import re
from urllib.parse import urlparse

from clawscale.models.agents import MAX_FORWARD_TIMEOUT_SECONDS, MIN_FORWARD_TIMEOUT_SECONDS

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_SLUG_LENGTH = 80
MAX_NAME_LENGTH = 200
MAX_URL_LENGTH = 2048


def slug_problem(slug: str) -> str:
    """What is wrong with a new agent's slug."""
    if SLUG.match(slug) and len(slug) <= MAX_SLUG_LENGTH:
        return ""
    return "Use lowercase letters, digits, - and _ (starting with a letter or digit)."


def name_problem(name: str) -> str:
    """What is wrong with an agent's name."""
    if 0 < len(name) <= MAX_NAME_LENGTH:
        return ""
    return f"Enter a name of up to {MAX_NAME_LENGTH} characters."


def url_problem(url: str, *, optional: bool = False) -> str:
    """What is wrong with one of an agent's URLs, its endpoint or its provisioning URL (an
    `optional` one may also be empty)."""
    if optional and not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https") and parsed.netloc and len(url) <= MAX_URL_LENGTH:
        return ""
    if optional:
        return "Enter an absolute http(s) URL, or leave it empty when none is needed."
    return "Enter an absolute http(s) URL, like https://agent.example.com/inbound."


def reply_wait_problem(seconds: int | None) -> str:
    """What is wrong with a reply wait (None: not a whole number)."""
    bounds = range(MIN_FORWARD_TIMEOUT_SECONDS, MAX_FORWARD_TIMEOUT_SECONDS + 1)
    if seconds is not None and seconds in bounds:
        return ""
    return (
        f"Enter a whole number of seconds from {MIN_FORWARD_TIMEOUT_SECONDS} to "
        f"{MAX_FORWARD_TIMEOUT_SECONDS}."
    )
