"""Delivery routes: where replies for a customer's business conversation go.

A route is keyed by (customer id, business conversation key) and points at a channel and an end
user on it; only active routes resolve. Upserting is safe when several processes bind the same
key at once: the insert runs in a savepoint and the loser updates the winner's row instead.
"""

from dataclasses import asdict, dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from clawscale.db import insert_or_find
from clawscale.models import DeliveryRoute
from clawscale.models.base import utcnow


@dataclass(frozen=True)
class RouteTarget:
    """The channel and end user a route sends to."""

    channel_id: str
    end_user_id: str
    external_end_user_id: str


ROUTE_BY_KEY = (
    select(DeliveryRoute)
    .where(
        DeliveryRoute.customer_id == bindparam("customer_id"),
        DeliveryRoute.business_conversation_key == bindparam("business_conversation_key"),
    )
    .execution_options(populate_existing=True)
)


def find_delivery_route(
    db: Session, customer_id: str, business_conversation_key: str
) -> DeliveryRoute | None:
    """The route row for the key, active or not, read afresh from the database."""
    params = {"customer_id": customer_id, "business_conversation_key": business_conversation_key}
    return db.exec(ROUTE_BY_KEY, params=params).first()


def resolve_delivery_route(
    db: Session, customer_id: str, business_conversation_key: str
) -> DeliveryRoute | None:
    """The active route for (customer, key); None when there is none or it is inactive."""
    route = find_delivery_route(db, customer_id, business_conversation_key)
    return route if route is not None and route.is_active else None


def _insert_route(
    db: Session, customer_id: str, business_conversation_key: str, target: RouteTarget
) -> DeliveryRoute:
    route = DeliveryRoute(
        customer_id=customer_id,
        business_conversation_key=business_conversation_key,
        **asdict(target),
    )
    db.add(route)
    db.flush()
    return route


def _context_for(
    route: DeliveryRoute, target: RouteTarget, provider_context: dict[str, object] | None
) -> dict[str, object]:
    """The given context; else the stored one while the target stays, none when it moves."""
    if provider_context is not None:
        return dict(provider_context)
    stored = RouteTarget(route.channel_id, route.end_user_id, route.external_end_user_id)
    return route.provider_context if stored == target else {}


def _retarget(
    route: DeliveryRoute, target: RouteTarget, provider_context: dict[str, object] | None
) -> None:
    """Make the route active and point it at `target`; an unchanged route is not written."""
    values: dict[str, object] = {
        **asdict(target),
        "provider_context": _context_for(route, target, provider_context),
        "is_active": True,
    }
    if any(getattr(route, field) != value for field, value in values.items()):
        route.sqlmodel_update({**values, "updated_at": utcnow()})


def upsert_delivery_route(
    db: Session,
    customer_id: str,
    business_conversation_key: str,
    channel_id: str,
    end_user_id: str,
    external_end_user_id: str,
    provider_context: dict[str, object] | None = None,
) -> DeliveryRoute:
    """Create or update the (customer, key) route so it is active and points at this end user.

    `provider_context` (e.g. a WeChat `context_token`) replaces the stored one when given; when
    not given it is kept while the route keeps its target and cleared when the target changes.
    """
    target = RouteTarget(channel_id, end_user_id, external_end_user_id)
    route = find_delivery_route(db, customer_id, business_conversation_key) or insert_or_find(
        db,
        lambda: _insert_route(db, customer_id, business_conversation_key, target),
        lambda: find_delivery_route(db, customer_id, business_conversation_key),
    )
    _retarget(route, target, provider_context)
    db.add(route)
    db.flush()
    return route
