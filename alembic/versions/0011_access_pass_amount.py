"""access pass amount

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:00:00

`access_pass.amount_total` and `access_pass.currency`: what Stripe charged for a pass (the
amount in the currency's smallest unit, the ISO code in lower case), for the customer's payment
history. Passes granted before are left without (null).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("access_pass", sa.Column("amount_total", sa.Integer(), nullable=True))
    op.add_column(
        "access_pass",
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("access_pass", "currency")
    op.drop_column("access_pass", "amount_total")
