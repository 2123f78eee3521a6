"""unfinished outbound deliveries by creation time, for the dispatchers' claim

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 06:10:00

The claim walks this partial index oldest first and stops once it has its batch, so its cost
follows the unfinished rows, never the sent ones. On PostgreSQL the index is built CONCURRENTLY
(outside the migration's transaction), so a gateway with a large outbox keeps accepting
deliveries while it builds.
"""

from collections.abc import Sequence

from alembic import op

from clawscale import online_indexes

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_outbound_delivery_unfinished_created"
TABLE = "outbound_delivery"
UNFINISHED = "status IN ('pending', 'sending', 'failed')"


def upgrade() -> None:
    online_indexes.create_index(INDEX, TABLE, ["created_at", "id"], where=UNFINISHED)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE, if_exists=True)
