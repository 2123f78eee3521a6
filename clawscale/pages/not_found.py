"""The page for a path no route matches (Reflex's `404` route), in the visitor's language.

The development server shows it for unknown paths; the production static server
(`clawscale.web_static`) answers such paths with status 404 and the exported app, which shows
this page.
"""

import reflex as rx

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.links import button_link
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.i18n.catalogs import N_

NOT_FOUND_ROUTE = "404"
"""Reflex's name for the page shown where no route matches."""

SPEC = PageSpec(
    NOT_FOUND_ROUTE,
    N_("Page not found"),
    N_("There is no page at this address."),
    Section.PUBLIC,
)


def not_found_page() -> rx.Component:
    """What went wrong, and the way back to the start."""
    return page_shell(
        SPEC,
        rx.text(
            t("The link may be mistyped, or the page may have moved."),
            as_="p",
            color_scheme="gray",
        ),
        rx.box(button_link(t("Go to the home page"), "/", variant="soft")),
    )


PAGE = SitePage(SPEC, not_found_page)
