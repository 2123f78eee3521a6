"""Rate limits for the pages' sign-in and mail-sending forms: the API's limiters, shared, and
the client's address as the API sees it (clawscale.client_address, behind trusted proxies)."""

from reflex.istate.data import RouterData

from clawscale.client_address import client_address
from clawscale.domain.rate_limits import RateLimited, shared_auth_limiter
from clawscale.i18n.catalogs import N_
from clawscale.settings import get_settings

TOO_MANY_ATTEMPTS = N_("Too many attempts. Wait a minute, then try again.")


def page_client_address(router: RouterData) -> str:
    """The address of the browser behind this page's connection: the peer of its websocket, or
    behind a trusted proxy the client that proxy forwards for."""
    settings = get_settings()
    header = settings.TRUSTED_PROXY_HEADER
    forwarded = router.headers.raw_headers.get(header, "")
    return client_address(
        router.session.client_ip,
        [forwarded] if forwarded else [],
        settings.trusted_proxy_networks,
        header,
    )


def throttled(action: str, router: RouterData, email: str) -> str:
    """Count one mail-sending attempt; the message to show when it is one too many, else ""."""
    try:
        shared_auth_limiter().check(action, page_client_address(router), email)
    except RateLimited:
        return TOO_MANY_ATTEMPTS
    return ""
