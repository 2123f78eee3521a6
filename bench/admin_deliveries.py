"""Admin deliveries benchmark: the `/admin/deliveries` page's query over a million deliveries.

    .venv/bin/python -m bench.admin_deliveries [--rows 1000000] [--repeat 5]

Seeds a fresh PostgreSQL database in SQL (`generate_series`, one statement: 100 customers, 200
channels, `--rows` deliveries over the last ~23 days, 90% succeeded, 5% failed, 3% dead, 2%
pending), then times the page's own `deliveries_page` (the rows, their names and the total)
for the first page and for each filter, a deep keyset page and oldest first; the median of
`--repeat` runs each.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bench.harness import fresh_postgres, milliseconds, print_table
from clawscale.db import create_db_engine
from clawscale.domain.outbox.queries import CREATED, FAILURES, DeliveryFilter, encode_cursor
from clawscale.domain.sorting import Sort
from clawscale.models import DeliveryStatus, OutboundDelivery
from clawscale.models.base import utcnow
from clawscale.pages.admin.deliveries import DeliveriesPage, deliveries_page

CUSTOMERS = 100
CHANNELS = 200
SEED = """
INSERT INTO customer (id, display_name, kind, suspended, created_at)
SELECT 'ck_bench' || c, 'Customer ' || c, 'personal', false, now()
FROM generate_series(1, :customers) AS c;
INSERT INTO channel (id, kind, scope, owner_customer_id, name, status, config_encrypted,
                     secrets_encrypted, created_at, updated_at)
SELECT 'ch_bench' || h, 'kind' || (h / :customers), 'personal', 'ck_bench' || (h % :customers + 1),
       'Channel ' || h, 'connected', '', '', now(), now()
FROM generate_series(1, :channels) AS h;
INSERT INTO outbound_delivery (id, idempotency_key, payload, payload_hash, customer_id,
    business_conversation_key, channel_id, target, provider_context, status, attempts,
    created_at, updated_at)
SELECT 'od_bench' || g, 'bench-' || g, '{"text": "hello"}', 'h',
       'ck_bench' || (g % :channels % :customers + 1), 'conv', 'ch_bench' || (g % :channels + 1),
       'end-user', '{}',
       CASE WHEN g % 100 < 90 THEN 'succeeded' WHEN g % 100 < 95 THEN 'failed'
            WHEN g % 100 < 98 THEN 'dead' ELSE 'pending' END,
       1, now() - g * interval '2 seconds', now() - g * interval '2 seconds'
FROM generate_series(1, :rows) AS g;
"""


def seed(engine: sa.Engine, rows: int) -> float:
    """The customers, channels and deliveries, analysed; how long it took (seconds)."""
    started = time.perf_counter()
    values = {"customers": CUSTOMERS, "channels": CHANNELS, "rows": rows}
    with engine.begin() as connection:
        for statement in filter(str.strip, SEED.split(";")):
            connection.execute(sa.text(statement), values)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def deep_cursor(engine: sa.Engine, depth: int) -> str:
    """The cursor just after the `depth`-th newest delivery (as paging that far would hold)."""
    with Session(engine) as db:
        row = db.exec(
            select(OutboundDelivery)
            .order_by(col(OutboundDelivery.created_at).desc(), col(OutboundDelivery.id).desc())
            .offset(depth - 1)
            .limit(1)
        ).one()
        return encode_cursor(row)


Case = tuple[str, DeliveryFilter, Sort, str]


def cases(deep: str, depth: int) -> list[Case]:
    """What the page is asked: (name, filter, order, cursor)."""
    newest, oldest, now = Sort(CREATED, descending=True), Sort(CREATED), utcnow()
    everything = DeliveryFilter(statuses=())
    return [
        ("first page (failed and dead)", DeliveryFilter(), newest, ""),
        ("every status", everything, newest, ""),
        ("status = dead", DeliveryFilter((DeliveryStatus.DEAD,)), newest, ""),
        ("channel (every status)", DeliveryFilter((), channel_id="ch_bench93"), newest, ""),
        ("channel, failed and dead", DeliveryFilter(FAILURES, channel_id="ch_bench93"), newest, ""),
        ("customer (every status)", DeliveryFilter((), customer_id="ck_bench7"), newest, ""),
        ("last hour", DeliveryFilter((), since=now - timedelta(hours=1)), newest, ""),
        ("last 24 hours", DeliveryFilter((), since=now - timedelta(days=1)), newest, ""),
        ("last 7 days, failed and dead", DeliveryFilter(since=now - timedelta(days=7)), newest, ""),
        ("oldest first (every status)", everything, oldest, ""),
        (f"deep keyset page (after row {depth:,})", everything, newest, deep),
        ("deep keyset page, failed and dead", DeliveryFilter(), newest, deep),
    ]


def timed(work: Callable[[], object], repeat: int) -> float:
    """The median wall time of `work` over `repeat` runs, after one warm-up run."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with fresh_postgres() as database_url:
        engine = create_db_engine(database_url)
        seconds = seed(engine, args.rows)
        depth = args.rows // 2
        deep = deep_cursor(engine, depth)
        rows = [("seeding (generate_series + VACUUM ANALYZE)", f"{seconds:.1f} s")]
        for name, selection, sort, cursor in cases(deep, depth):

            def page(
                selection: DeliveryFilter = selection, sort: Sort = sort, cursor: str = cursor
            ) -> DeliveriesPage:
                with Session(engine) as db:
                    return deliveries_page(db, selection, sort, 0, cursor)

            shown = page()
            label = f"{name} ({len(shown.rows)} of {shown.total:,})"
            rows.append((label, milliseconds(timed(page, args.repeat))))
        engine.dispose()
    print_table(f"/admin/deliveries over {args.rows:,} deliveries", rows)


if __name__ == "__main__":
    main()
