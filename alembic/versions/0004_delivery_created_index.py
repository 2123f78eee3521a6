"""outbound deliveries by creation time, for the unfiltered and time-range admin pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:10:00

On PostgreSQL the index is built CONCURRENTLY (outside the migration's transaction), so a
gateway with a large outbox keeps accepting deliveries while it builds.
"""

from collections.abc import Sequence

from alembic import op

from clawscale import online_indexes

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_outbound_delivery_created"
TABLE = "outbound_delivery"


def upgrade() -> None:
    online_indexes.create_index(INDEX, TABLE, ["created_at", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE, if_exists=True)
