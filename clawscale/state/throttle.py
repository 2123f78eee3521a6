"""Rate limits for the pages' sign-in and mail-sending forms: the API's limiter, shared."""

from clawscale.domain.rate_limits import RateLimited, shared_auth_limiter
from clawscale.i18n.catalogs import N_

TOO_MANY_ATTEMPTS = N_("Too many attempts. Wait a minute, then try again.")


def throttled(action: str, client_ip: str, email: str) -> str:
    """Count one attempt; the message to show when it is one too many, else ""."""
    try:
        shared_auth_limiter().check(action, client_ip or "unknown", email)
    except RateLimited:
        return TOO_MANY_ATTEMPTS
    return ""
