"""Subscription state: the seed's paid subscriptions become our access passes (the same Stripe
Checkout session ids, so a redelivered Stripe event still applies once)."""

from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import AccessPass


def _access_pass(row: SeedRow, context: ImportContext) -> MappedRow | None:
    if not context.has("customer", row["customer_id"]):
        return None
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "stripe_checkout_session_id": row["stripe_session_id"],
        "starts_at": as_utc(row["starts_at"]),
        "expires_at": as_utc(row["expires_at"]),
        "amount_total": row["amount_paid"],
        "currency": (row["currency"] or "").lower() or None,
        "created_at": as_utc(row["created_at"]),
    }


TABLES = (
    TableImport(
        "access passes",
        "subscriptions",
        (
            "id",
            "customer_id",
            "stripe_session_id",
            "amount_paid",
            "currency",
            "starts_at",
            "expires_at",
            "created_at",
        ),
        AccessPass,
        _access_pass,
    ),
)
