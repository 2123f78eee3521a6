"""What a page is (route, title, description, site section).

Sections: public pages and the admin sign-in (`ADMIN_ACCESS`) are open to anyone; customer
pages need a signed-in customer and admin pages a signed-in admin.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import reflex as rx
from reflex.event import EventHandler

from clawscale.i18n.catalogs import N_


class Section(StrEnum):
    """The part of the site a page belongs to; it decides the navigation and who may visit."""

    PUBLIC = "public"
    CUSTOMER = "customer"
    ADMIN_ACCESS = "admin-access"
    ADMIN = "admin"
    DEVELOPMENT = "development"


SECTION_LABELS: dict[Section, str] = {
    Section.PUBLIC: N_("Account access"),
    Section.CUSTOMER: N_("Your workspace"),
    Section.ADMIN_ACCESS: N_("Admin console"),
    Section.ADMIN: N_("Admin console"),
    Section.DEVELOPMENT: N_("Development tools"),
}
ADMIN_SECTIONS = frozenset({Section.ADMIN_ACCESS, Section.ADMIN})


@dataclass(frozen=True)
class PageSpec:
    """One page: where it lives, what it is called, what it does (English message ids, marked
    with `N_` where they are written), and its section."""

    route: str
    title: str
    description: str
    section: Section


@dataclass(frozen=True)
class SitePage:
    """A built page: its spec, the function rendering it, and the events run when it loads."""

    spec: PageSpec
    render: Callable[[], rx.Component]
    on_load: Sequence[EventHandler] = field(default_factory=tuple)
