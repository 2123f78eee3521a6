"""A worker's batch summary: one info line per recorded batch of outcomes, with how many items
were claimed since the last line and how the batch's items ended."""

import logging
import threading
from collections import Counter
from collections.abc import Iterable


class BatchTally:
    """Counts claims (from any thread) and writes `<worker> batch: claimed N, <outcome> n, ...`
    when a batch of outcomes is recorded; `outcomes` names every count the line shows."""

    def __init__(self, logger: logging.Logger, worker: str, outcomes: tuple[str, ...]) -> None:
        self.logger = logger
        self.worker = worker
        self.outcomes = outcomes
        self._claimed = 0
        self._lock = threading.Lock()

    def claimed(self, count: int) -> None:
        """Note `count` more items claimed."""
        with self._lock:
            self._claimed += count

    def recorded(self, ended: Iterable[str]) -> None:
        """Write the summary of a recorded batch whose items ended as `ended` (outcome names)."""
        counts = Counter(ended)
        with self._lock:
            claimed, self._claimed = self._claimed, 0
        figures = {name: counts[name] for name in self.outcomes}
        self.logger.info(
            "%s batch: claimed %d, %s",
            self.worker,
            claimed,
            ", ".join(f"{name} {count}" for name, count in figures.items()),
            extra={"event": "batch", "worker": self.worker, "claimed": claimed, **figures},
        )
