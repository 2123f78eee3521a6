"""Paid access: passes bought through Stripe Checkout (with what each cost) and the Stripe events
already applied."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from clawscale.models.base import created_at_field, foreign_key_field, id_field


class AccessPass(SQLModel, table=True):
    """Thirty days of access bought by one Checkout session (applied once per session id), and
    what Stripe charged for it: the amount in the currency's smallest unit (cents) and the
    currency's ISO code in lower case, as Stripe writes them (null for passes granted before
    amounts were kept, or when Stripe's event said nothing of them)."""

    __tablename__ = "access_pass"

    id: str = id_field("ap")
    customer_id: str = foreign_key_field("customer.id")
    stripe_checkout_session_id: str = Field(max_length=255, unique=True)
    starts_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
    amount_total: int | None = Field(default=None, nullable=True)
    currency: str | None = Field(default=None, max_length=3, nullable=True)
    created_at: datetime = created_at_field()


class StripeEvent(SQLModel, table=True):
    """A Stripe webhook event id already processed, so a redelivery changes nothing."""

    __tablename__ = "stripe_event"

    event_id: str = Field(primary_key=True, max_length=255)
    event_type: str = Field(max_length=120)
    received_at: datetime = created_at_field()
