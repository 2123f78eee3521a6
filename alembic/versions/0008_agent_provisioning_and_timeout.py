"""agents say how customers are provisioned and how long a forward may wait

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:30:00

`provisioning_url` (nullable): where a new customer is announced; NULL, the default and what
every existing agent gets, means the runtime needs no announcement (Coke's bridge has no
provisioning endpoint and answered 400 to the old announcement posted to its message endpoint),
so bindings are ready at once. `forward_timeout_seconds` (default 120): how long a forward waits
for the runtime's answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("provisioning_url", sa.String(length=2048), nullable=True))
        batch.add_column(
            sa.Column("forward_timeout_seconds", sa.Integer(), nullable=False, server_default="120")
        )


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("forward_timeout_seconds")
        batch.drop_column("provisioning_url")
