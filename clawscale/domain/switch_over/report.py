"""What an import did (or, dry, would do), table by table."""

from dataclasses import dataclass, field


@dataclass
class TableCounts:
    """Rows of one table: read from the seed, and what became of them."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated


@dataclass
class ImportReport:
    """The counts of every table, in import order."""

    dry_run: bool
    tables: dict[str, TableCounts] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """Rows inserted or updated (or, dry, that would be)."""
        return sum(counts.changed for counts in self.tables.values())

    def render(self) -> str:
        """The report as printed at the end of a run."""
        heading = "dry run: nothing was written; an import would do this" if self.dry_run else ""
        width = max((len(name) for name in self.tables), default=5)
        columns = ("read", "inserted", "updated", "unchanged", "skipped")
        lines = [heading] if heading else []
        lines.append(f"{'table':<{width}}  " + "  ".join(f"{name:>9}" for name in columns))
        for name, counts in self.tables.items():
            values = (getattr(counts, column) for column in columns)
            lines.append(f"{name:<{width}}  " + "  ".join(f"{value:>9}" for value in values))
        if self.changed == 0:
            lines.append("nothing to change: every row is already imported as it is in the seed")
        else:
            verb = "would change" if self.dry_run else "changed"
            lines.append(f"{verb} {self.changed} rows")
        return "\n".join(lines)
