"""What one table's import is: the seed table and columns it reads, our table it writes, how a
seed row becomes our row (or is skipped), and which of our values a re-import leaves alone."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from clawscale.domain.switch_over.source import SeedRow
from clawscale.settings import Settings


@dataclass
class ImportContext:
    """What the mappings need beyond one row: settings, the provider keys the seed kept in its
    environment, the history window, and the ids imported so far (rows whose parent was
    skipped are skipped too)."""

    settings: Settings
    evolution_api_key: str
    linq_api_key: str
    history_since: datetime
    customer_of_seed_user: dict[str, str] = field(default_factory=dict)
    imported: dict[str, set[str]] = field(default_factory=dict)

    def remember(self, family: str, row_id: str) -> None:
        """Note that `row_id` of `family` is imported (or would be)."""
        self.imported.setdefault(family, set()).add(row_id)

    def has(self, family: str, row_id: str | None) -> bool:
        """Whether `row_id` of `family` is imported."""
        return row_id is not None and row_id in self.imported.get(family, set())


MappedRow = dict[str, Any]
MapRow = Callable[[SeedRow, ImportContext], MappedRow | None]


def keep_nothing(existing: Any) -> frozenset[str]:
    """No value of ours is kept over the seed's on a re-import."""
    return frozenset()


@dataclass(frozen=True)
class TableImport:
    """One seed table into one of ours, upserted by primary key."""

    name: str
    source_table: str
    source_columns: tuple[str, ...]
    model: type[SQLModel]
    map_row: MapRow
    order_by: str = "created_at, id"
    where: str = ""
    kept_on_reimport: Callable[[Any], frozenset[str]] = keep_nothing

    def where_params(self, context: ImportContext) -> dict[str, Any]:
        """The bind values of `where`."""
        return {"since": context.history_since.replace(tzinfo=None)} if self.where else {}
