"""Values as the console's tables keep them: a moment as an ISO 8601 string (UTC; the page
writes it in its language with `components.translated.table_time`, the column headers say
UTC), a dash for nothing."""

from datetime import datetime

from clawscale.i18n.catalogs import N_

NEVER = N_("Never")
NO_BREAK = "\N{NO-BREAK SPACE}"
NOTHING = "\N{EM DASH}"


def iso_time(moment: datetime | None) -> str:
    """`moment` for the page to write in its language; "" for none."""
    return moment.isoformat() if moment else ""


def table_time(moment: datetime | None, *, seconds: bool = False) -> str:
    """A compact UTC date and time in English, "3 Jun 2026, 14:05" (with `seconds`,
    "14:05:09"); `NEVER` for None. For the pages not yet showing `iso_time` in their
    language (agents, admins, shared channels, deliveries); removed once none is left."""
    if moment is None:
        return NEVER
    date = NO_BREAK.join((str(moment.day), f"{moment:%b}", f"{moment:%Y}"))
    return f"{date}, {moment:%H:%M:%S}" if seconds else f"{date}, {moment:%H:%M}"
