"""What a page's handler knows about the visit: the cookies sent with the page's websocket
handshake, the page's own path, and the `next` page it was asked to return to.

Shared by the customer and admin session guards; the cookies are read on the server and never
reach the browser's JavaScript or the state sent to it.
"""

from http.cookies import CookieError, SimpleCookie

from reflex.istate.data import RouterData


def cookie_value(cookie_header: str, name: str) -> str | None:
    """One cookie from a raw `Cookie` header; None when absent or the header is malformed."""
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel and morsel.value else None


def visit_cookie(router: RouterData, name: str) -> str | None:
    """The cookie `name` the browser sent when it opened the page."""
    return cookie_value(router.headers.cookie, name)


def current_path(router: RouterData) -> str:
    """The page's path with its query string: where to come back to after signing in."""
    url = router.url
    return f"{url.path}?{url.query}" if url.query else url.path


def requested_next(router: RouterData) -> str | None:
    """The raw `next` query parameter (unchecked: pass it through a same-site filter)."""
    return router.url.query_parameters.get("next")
