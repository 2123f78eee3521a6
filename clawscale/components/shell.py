"""The one page shell: the site frame with a page's section, title and description on top."""

import reflex as rx
from reflex.vars import Var

from clawscale.components.catalogue import SECTION_LABELS, PageSpec
from clawscale.components.layout import page_layout
from clawscale.components.translated import t

FORM_WIDTH = "28rem"
PAGE_WIDTH = "44rem"


def page_heading(spec: PageSpec, *, centred: bool) -> rx.Component:
    """The section label, the page's h1 and what the page is for."""
    return rx.flex(
        rx.text(
            t(SECTION_LABELS[spec.section]),
            size="2",
            weight="medium",
            color_scheme="indigo",
            text_transform="uppercase",
            letter_spacing="0.06em",
        ),
        rx.heading(t(spec.title), as_="h1", size=rx.breakpoints(initial="7", sm="8")),
        rx.text(t(spec.description), as_="p", size="3" if centred else "4", color_scheme="gray"),
        direction="column",
        spacing="2",
        text_align="center" if centred else "left",
    )


def page_shell(spec: PageSpec, *body: rx.Component, form_width: bool = False) -> rx.Component:
    """A page of the site: its heading and `body`, in a column. `form_width` pages (sign-in
    forms) are narrow and centred; the others read from the left."""
    placement = {"max_width": FORM_WIDTH, "margin_x": "auto"} if form_width else {}
    placement.setdefault("max_width", PAGE_WIDTH)
    return page_layout(
        rx.flex(
            page_heading(spec, centred=form_width),
            *body,
            direction="column",
            spacing="5",
            width="100%",
            padding_y=rx.breakpoints(initial="32px", sm="56px"),
            **placement,
        ),
        section=spec.section,
        current_route=spec.route,
    )


def waiting(text: str | Var[str]) -> rx.Component:
    """A spinner and what the page is waiting for, announced to screen readers."""
    return rx.flex(
        rx.spinner(), rx.text(text, color_scheme="gray"), spacing="3", align="center", role="status"
    )


def loaded_page(
    spec: PageSpec, loaded: Var[bool], content: rx.Component, wait: str | Var[str]
) -> rx.Component:
    """A page that shows `content` once its State has `loaded`, and `wait` until then."""
    return page_shell(spec, rx.cond(loaded, content, waiting(wait)))
