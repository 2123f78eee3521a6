"""The hourly chores: access-ending notices go out once, not on every pass."""

import asyncio
from datetime import timedelta

import httpx
from sqlmodel import select

from clawscale.models import Customer, EmailMessage, Identity, Membership
from clawscale.models.base import utcnow
from clawscale.settings import Settings
from clawscale.workers.maintenance import MaintenanceWorker

PAID = Settings(_env_file=None, STRIPE_SECRET_KEY="sk_test", STRIPE_PRICE_ID="price_1")


def test_access_ending_notices_are_sent_once_an_hour(db, session):
    customer = Customer(display_name="Ada", created_at=utcnow() - timedelta(days=28))
    identity = Identity(email="ada@example.com", claim_status="active", email_verified_at=utcnow())
    session.add(customer)
    session.add(identity)
    session.commit()
    session.add(Membership(identity_id=identity.id, customer_id=customer.id))
    session.commit()
    worker = MaintenanceWorker(db, PAID)

    async def two_passes() -> None:
        async with httpx.AsyncClient() as client:
            await worker.run_once(client)
            await worker.run_once(client)

    asyncio.run(two_passes())
    worker.next_run = 0
    asyncio.run(two_passes())
    session.expire_all()
    [notice] = session.exec(select(EmailMessage)).all()
    assert notice.recipient == "ada@example.com"
