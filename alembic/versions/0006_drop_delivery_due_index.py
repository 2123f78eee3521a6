"""drop the (status, next_attempt_at) index of outbound deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:10:00

Since 0005 the dispatchers' claim walks the partial index of unfinished deliveries, and the
queries that count or list deliveries by status use (status, created_at, id). Nothing reads
this index any more, yet every delivery wrote it three times: on acceptance, when it was
claimed and when it was sent (each status change moves the row in every index that holds
status). On PostgreSQL it is dropped CONCURRENTLY, so deliveries keep being accepted meanwhile.
"""

from collections.abc import Sequence

from clawscale import online_indexes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_outbound_delivery_due"
TABLE = "outbound_delivery"
COLUMNS = ["status", "next_attempt_at"]


def upgrade() -> None:
    online_indexes.drop_index(INDEX, TABLE)


def downgrade() -> None:
    online_indexes.create_index(INDEX, TABLE, COLUMNS)
