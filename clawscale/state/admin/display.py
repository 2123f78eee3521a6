"""Values as the console's tables keep them: a moment as an ISO 8601 string (UTC; the page
writes it in its language with `components.translated.table_time`, the column headers say
UTC), a dash for nothing."""

from datetime import datetime

from clawscale.i18n.catalogs import N_

NEVER = N_("Never")
NOTHING = "\N{EM DASH}"


def iso_time(moment: datetime | None) -> str:
    """`moment` for the page to write in its language; "" for none."""
    return moment.isoformat() if moment else ""
