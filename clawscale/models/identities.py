"""External identities: a person as a provider knows them, mapped to a customer."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, foreign_key_field, id_field


class ExternalIdentity(SQLModel, table=True):
    """(provider, identity_type, identity_value) is unique and belongs to one customer."""

    __tablename__ = "external_identity"
    __table_args__ = (sa.UniqueConstraint("provider", "identity_type", "identity_value"),)

    id: str = id_field("xid")
    provider: str = Field(max_length=40)
    identity_type: str = Field(max_length=40)
    identity_value: str = Field(max_length=255)
    customer_id: str = foreign_key_field("customer.id")
    first_seen_channel_id: str | None = foreign_key_field("channel.id", nullable=True)
    first_seen_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
