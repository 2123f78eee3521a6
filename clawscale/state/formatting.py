"""Values as the pages show them."""

from datetime import datetime


def readable_time(moment: datetime) -> str:
    """A date and time a person reads at a glance, in UTC: "3 June 2026, 14:05 UTC"."""
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
