"""identity locale

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:20:00

`identity.locale`: the language a person's email is written in (`zh_Hans` or `en`; null is
English), set from the site's language when they sign up or claim, and when they switch it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "identity",
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("identity", "locale")
