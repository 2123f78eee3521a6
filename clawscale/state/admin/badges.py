"""The words and colour of each state's badge, one table for the whole console, so a state
looks the same on every page. The words are English message ids: a row keeps them and the page
shows them in its language (`components.admin.tables.state_words`)."""

from dataclasses import dataclass

from clawscale.i18n.catalogs import N_

STATE_COLORS: dict[str, str] = {
    # deliveries
    "pending": "amber",
    "sending": "indigo",
    "succeeded": "green",
    "failed": "amber",
    "dead": "red",
    # mail
    "sent": "green",
    "kept": "gray",
    # channels
    "connected": "green",
    "disconnected": "gray",
    "error": "red",
    "archived": "gray",
    # identities, agent bindings and access time
    "active": "green",
    "expired": "red",
    "unclaimed": "gray",
    "ready": "green",
}
STATE_LABELS: dict[str, str] = {
    "pending": N_("Pending"),
    "sending": N_("Sending"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "dead": N_("Dead"),
    "sent": N_("Sent"),
    "kept": N_("Kept, not sent"),
    "connected": N_("Connected"),
    "disconnected": N_("Disconnected"),
    "error": N_("Error"),
    "archived": N_("Archived"),
    "active": N_("Active"),
    "expired": N_("Expired"),
    "unclaimed": N_("Unclaimed"),
    "ready": N_("Ready"),
    "personal": N_("Personal"),
    "shared": N_("Shared"),
    "organization": N_("Organization"),
}
NO_STATE = N_("None")
STATE_WORDS: tuple[str, ...] = (*STATE_LABELS.values(), NO_STATE)
"""Every label `state_label` gives a known state (the page translates these)."""


def state_color(state: str | None) -> str:
    """The badge colour of `state` (gray for a state the table does not know)."""
    return STATE_COLORS.get(state or "", "gray")


def state_label(state: str | None) -> str:
    """A state in words for its badge, an English message id: "dead" becomes "Dead", nothing
    becomes "None"; a state the table does not know is capitalised as it is."""
    if not state:
        return NO_STATE
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


@dataclass(frozen=True)
class StateCount:
    """How many things are in one state, with its badge."""

    state: str
    label: str
    color: str
    count: int


def state_counts(counts: dict[str, int], states: tuple[str, ...] = ()) -> list[StateCount]:
    """Every state of `states` in order (zeros included), then any other state counted, in
    alphabetical order."""
    ordered = [*states, *sorted(set(counts) - set(states))]
    return [
        StateCount(state, state_label(state), state_color(state), counts.get(state, 0))
        for state in ordered
    ]
