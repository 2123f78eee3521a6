"""Values as the console's tables show them: compact, in UTC (the column headers say so)."""

from datetime import datetime

NEVER = "Never"
NO_BREAK = "\N{NO-BREAK SPACE}"


def table_time(moment: datetime | None, *, seconds: bool = False) -> str:
    """A compact UTC date and time for a table cell, "3 Jun 2026, 14:05" (with `seconds`,
    "14:05:09"); "Never" for None. A narrow column wraps it after the comma only."""
    if moment is None:
        return NEVER
    date = NO_BREAK.join((str(moment.day), f"{moment:%b}", f"{moment:%Y}"))
    return f"{date}, {moment:%H:%M:%S}" if seconds else f"{date}, {moment:%H:%M}"


NOTHING = "\N{EM DASH}"
