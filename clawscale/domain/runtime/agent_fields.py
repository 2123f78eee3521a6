"""The rules an agent's fields follow, one place for the admin API and the console: each rule
says what is wrong with a value ("" when it is fine), in words an operator can act on (English
message ids; the console shows them in its language)."""

import re
from urllib.parse import urlparse

from clawscale.i18n.catalogs import N_
from clawscale.models.agents import MAX_FORWARD_TIMEOUT_SECONDS, MIN_FORWARD_TIMEOUT_SECONDS

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_SLUG_LENGTH = 80
MAX_NAME_LENGTH = 200
MAX_URL_LENGTH = 2048
BAD_SLUG = N_("Use lowercase letters, digits, - and _ (starting with a letter or digit).")
BAD_NAME = N_("Enter a name of up to 200 characters.")
BAD_OPTIONAL_URL = N_("Enter an absolute http(s) URL, or leave it empty when none is needed.")
BAD_URL = N_("Enter an absolute http(s) URL, like https://agent.example.com/inbound.")
BAD_REPLY_WAIT = N_("Enter a whole number of seconds from 1 to 600.")
AGENT_FIELD_PROBLEMS = (BAD_SLUG, BAD_NAME, BAD_OPTIONAL_URL, BAD_URL, BAD_REPLY_WAIT)


def slug_problem(slug: str) -> str:
    """What is wrong with a new agent's slug."""
    if SLUG.match(slug) and len(slug) <= MAX_SLUG_LENGTH:
        return ""
    return BAD_SLUG


def name_problem(name: str) -> str:
    """What is wrong with an agent's name."""
    if 0 < len(name) <= MAX_NAME_LENGTH:
        return ""
    return BAD_NAME


def url_problem(url: str, *, optional: bool = False) -> str:
    """What is wrong with one of an agent's URLs, its endpoint or its provisioning URL (an
    `optional` one may also be empty)."""
    if optional and not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https") and parsed.netloc and len(url) <= MAX_URL_LENGTH:
        return ""
    return BAD_OPTIONAL_URL if optional else BAD_URL


def reply_wait_problem(seconds: int | None) -> str:
    """What is wrong with a reply wait (None: not a whole number)."""
    bounds = range(MIN_FORWARD_TIMEOUT_SECONDS, MAX_FORWARD_TIMEOUT_SECONDS + 1)
    if seconds is not None and seconds in bounds:
        return ""
    return BAD_REPLY_WAIT
