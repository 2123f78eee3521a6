"""unfinished deliveries by conversation: an index only the head check can use

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:40:00

The dispatchers' claim asks, for each due delivery, whether it is the oldest unfinished one of
its conversation. The two partial indexes of unfinished deliveries (by time, which the claim
walks, and by conversation, made for this check in 0014) had the same predicate, so PostgreSQL
could answer the check from either. With statistics taken while the queue was drained it
believes both empty, and a scan of the whole index by time then costs it no more than a lookup
by conversation: a burst of 8,000 replies made every candidate scan every unfinished delivery
(the outbound path fell to a fifth of its throughput). The index by conversation is rebuilt
over the same rows named by the statuses they have not reached (`status NOT IN ('succeeded',
'dead')`); the check names them the same way, which PostgreSQL cannot prove of the index by
time, so the check can only look its conversation up.

On PostgreSQL the index is built and dropped CONCURRENTLY, so replies keep being stored
meanwhile.
"""

from collections.abc import Sequence

from clawscale import online_indexes

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "outbound_delivery"
COLUMNS = ["customer_id", "business_conversation_key", "created_at", "id"]
OPEN_INDEX = "ix_outbound_delivery_open_conversation"
OPEN_ROWS = "status NOT IN ('succeeded', 'dead')"
UNFINISHED_INDEX = "ix_outbound_delivery_unfinished_conversation"
UNFINISHED_ROWS = "status IN ('pending', 'sending', 'failed')"


def upgrade() -> None:
    online_indexes.create_index(OPEN_INDEX, TABLE, COLUMNS, OPEN_ROWS)
    online_indexes.drop_index(UNFINISHED_INDEX, TABLE)


def downgrade() -> None:
    online_indexes.create_index(UNFINISHED_INDEX, TABLE, COLUMNS, UNFINISHED_ROWS)
    online_indexes.drop_index(OPEN_INDEX, TABLE)
