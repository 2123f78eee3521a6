"""Running an import: recognise the source, then each table in order, one transaction per
batch, counting what was (or, dry, would be) inserted, updated, left unchanged or skipped."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clawscale.db import session_scope
from clawscale.domain.errors import Conflict
from clawscale.domain.switch_over import (
    accounts,
    agents,
    billing,
    channels,
    conversations,
    deliveries,
    people,
)
from clawscale.domain.switch_over.apply import upsert_batch
from clawscale.domain.switch_over.plan import ImportContext, TableImport
from clawscale.domain.switch_over.progress import ProgressBar
from clawscale.domain.switch_over.report import ImportReport, TableCounts
from clawscale.domain.switch_over.source import count_rows, open_source, read_batches, recognise
from clawscale.models.base import utcnow
from clawscale.settings import Settings

BATCH_SIZE = 500
DEFAULT_HISTORY_DAYS = 30
SEED_USERS_TABLE = "clawscale_users"
SEED_USERS_COLUMNS = ("id", "coke_account_id")
TABLE_IMPORTS: tuple[TableImport, ...] = (
    *accounts.TABLES,
    *agents.TABLES,
    *channels.TABLES,
    *people.TABLES,
    *conversations.TABLES,
    *billing.TABLES,
    *deliveries.TABLES,
)


@dataclass(frozen=True)
class ImportOptions:
    """What to import from where: the seed's URL, whether to write, how much history, and the
    provider keys the seed kept in its environment."""

    source_url: str
    dry_run: bool = False
    history_days: int = DEFAULT_HISTORY_DAYS
    evolution_api_key: str = ""
    linq_api_key: str = ""


def expected_source() -> dict[str, tuple[str, ...]]:
    """Every seed table read and the columns read from it."""
    expected = {SEED_USERS_TABLE: SEED_USERS_COLUMNS}
    expected.update({plan.source_table: plan.source_columns for plan in TABLE_IMPORTS})
    return expected


def _seed_users(source: Engine) -> dict[str, str]:
    """The seed's user ids (`clawscale_users`) and the customer each one is."""
    with source.connect() as connection:
        rows = connection.execute(sa.text('SELECT id, coke_account_id FROM "clawscale_users"'))
        return {row.id: row.coke_account_id for row in rows}


def _import_table(
    source: Engine,
    target: Engine,
    plan: TableImport,
    context: ImportContext,
    *,
    write: bool,
    progress: ProgressBar | None,
) -> TableCounts:
    counts = TableCounts()
    params = plan.where_params(context)
    total = count_rows(source, plan.source_table, plan.where, params)
    batches = read_batches(
        source,
        plan.source_table,
        plan.source_columns,
        where=plan.where,
        order_by=plan.order_by,
        params=params,
        batch_size=BATCH_SIZE,
    )
    for batch in batches:
        mapped = [values for row in batch if (values := plan.map_row(row, context)) is not None]
        counts.read += len(batch)
        counts.skipped += len(batch) - len(mapped)
        try:
            with session_scope(target) as db:
                upsert_batch(db, context.settings, plan, mapped, counts, write=write)
        except sa.exc.IntegrityError as error:
            raise Conflict(
                "import_conflict",
                f"{plan.name}: a row conflicts with one of ours ({error.orig}); nothing of this "
                "batch was written",
            ) from error
        if progress is not None:
            progress.advance(plan.name, counts.read, total)
    if progress is not None:
        progress.finish(plan.name, total)
    return counts


def import_seed(
    target: Engine,
    settings: Settings,
    options: ImportOptions,
    progress: ProgressBar | None = None,
) -> ImportReport:
    """Import the seed's database at `options.source_url` into `target` (or, dry, count what
    an import would do); safe to run again: rows are upserted by their seed ids."""
    source = open_source(options.source_url)
    try:
        recognise(source, expected_source())
        context = ImportContext(
            settings=settings,
            evolution_api_key=options.evolution_api_key,
            linq_api_key=options.linq_api_key,
            history_since=utcnow() - timedelta(days=options.history_days),
            customer_of_seed_user=_seed_users(source),
        )
        report = ImportReport(dry_run=options.dry_run)
        for plan in TABLE_IMPORTS:
            report.tables[plan.name] = _import_table(
                source, target, plan, context, write=not options.dry_run, progress=progress
            )
        return report
    finally:
        source.dispose()
