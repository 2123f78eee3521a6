"""A console page still being built: its heading and a coming-soon notice, inside the console
and behind its guard."""

from functools import partial

import reflex as rx

from clawscale.components.admin.console import console_page
from clawscale.components.catalogue import PageSpec, SitePage
from clawscale.components.placeholder import coming_soon
from clawscale.state.admin.session import AdminSessionState


def coming_soon_page(spec: PageSpec) -> rx.Component:
    """The console page for `spec`, with a coming-soon notice."""
    return console_page(spec, coming_soon())


def admin_placeholder(spec: PageSpec) -> SitePage:
    """The guarded coming-soon page of a console row of the placeholder table."""
    return SitePage(
        spec, partial(coming_soon_page, spec), on_load=(AdminSessionState.require_admin,)
    )
