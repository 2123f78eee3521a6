"""The colour of each state's badge, one table for the whole console, so a state looks the
same on every page."""

STATE_COLORS: dict[str, str] = {
    # deliveries
    "pending": "amber",
    "sending": "indigo",
    "succeeded": "green",
    "failed": "amber",
    "dead": "red",
    # channels
    "connected": "green",
    "disconnected": "gray",
    "error": "red",
    "archived": "gray",
    # identities and agent bindings
    "active": "green",
    "unclaimed": "gray",
    "ready": "green",
}


def state_color(state: str | None) -> str:
    """The badge colour of `state` (gray for a state the table does not know)."""
    return STATE_COLORS.get(state or "", "gray")


def state_label(state: str | None) -> str:
    """A state in words for its badge: "dead" becomes "Dead"; nothing becomes "None"."""
    return (state or "none").replace("_", " ").capitalize()
