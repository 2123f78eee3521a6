"""A progress bar on a text stream (stderr), one line per table, redrawn in place."""

from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    """Draws `table [#####.....] done/total` as rows are handled."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def advance(self, table: str, done: int, total: int) -> None:
        filled = BAR_WIDTH if total == 0 else BAR_WIDTH * done // total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\r{table:<22} [{bar}] {done}/{total}")
        self.stream.flush()

    def finish(self, table: str, total: int) -> None:
        self.advance(table, total, total)
        self.stream.write("\n")
        self.stream.flush()
