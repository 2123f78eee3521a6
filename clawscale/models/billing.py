"""Paid access: passes bought through Stripe Checkout and the Stripe events already applied."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, foreign_key_field, id_field


class AccessPass(SQLModel, table=True):
    """Thirty days of access bought by one Checkout session (applied once per session id)."""

    __tablename__ = "access_pass"

    id: str = id_field("ap")
    customer_id: str = foreign_key_field("customer.id")
    stripe_checkout_session_id: str = Field(max_length=255, unique=True)
    starts_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
    created_at: datetime = created_at_field()


class StripeEvent(SQLModel, table=True):
    """A Stripe webhook event id already processed, so a redelivery changes nothing."""

    __tablename__ = "stripe_event"

    event_id: str = Field(primary_key=True, max_length=255)
    event_type: str = Field(max_length=120)
    received_at: datetime = created_at_field()
