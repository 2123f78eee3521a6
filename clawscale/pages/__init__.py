"""The web pages of the gateway: the landing page and one placeholder per planned route."""

import reflex as rx

from clawscale.pages.catalogue import PAGES
from clawscale.pages.landing import LANDING_DESCRIPTION, LANDING_ROUTE, LANDING_TITLE, landing_page
from clawscale.pages.placeholder import page_title, placeholder_page


def register_pages(app: rx.App) -> None:
    """Add the landing page and every page of the table to `app`."""
    app.add_page(
        landing_page,
        route=LANDING_ROUTE,
        title=LANDING_TITLE,
        description=LANDING_DESCRIPTION,
    )
    for spec in PAGES:
        app.add_page(
            placeholder_page(spec),
            route=spec.route,
            title=page_title(spec),
            description=spec.description,
        )
