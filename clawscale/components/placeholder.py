"""One "coming soon" page, built from a row of the placeholder table."""

import reflex as rx

from clawscale.components.catalogue import PageSpec
from clawscale.components.shell import page_shell
from clawscale.components.translated import t


def coming_soon() -> rx.Component:
    """The notice of a page still being built."""
    return rx.callout(
        t("Coming soon — this page is being built."),
        icon="construction",
        variant="surface",
        width="fit-content",
        max_width="100%",
    )


def placeholder_page(spec: PageSpec) -> rx.Component:
    """The page for `spec`: its section, title, what it will do, and a coming-soon notice."""
    return page_shell(spec, coming_soon())
