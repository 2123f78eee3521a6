"""inbound events waiting to be forwarded, by creation time, for the inbound workers' claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:50:00

The claim walks this partial index oldest first, taking each event that is its customer's
oldest waiting one, and stops once it has its batch. Before, it listed every customer with a
waiting event (reading every waiting event) on each claim: 4.7 ms with 1,862 waiting. On
PostgreSQL the index is built CONCURRENTLY, so webhooks keep being stored while it builds.
"""

from collections.abc import Sequence

from alembic import op

from clawscale import online_indexes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_inbound_event_waiting_created"
TABLE = "inbound_event"
WAITING = "status = 'received'"


def upgrade() -> None:
    online_indexes.create_index(INDEX, TABLE, ["created_at", "id"], where=WAITING)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE, if_exists=True)
