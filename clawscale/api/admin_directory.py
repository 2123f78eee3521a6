"""`/api/admin/customers` and `/api/admin/channels`: the operators' directory (CONTRACT.md).

Customers: `?limit&offset` (1..200, default 50; unknown parameters rejected), plus `q` (email,
name, identity value or id) and `claim_status`; `POST customers/{id}/retry-provisioning` has a
binding that failed provisioning tried again. Channels: `?status&kind&limit&offset`.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Listing, Ok, PublicView
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.security import CurrentAdmin, current_admin
from clawscale.domain.console.directory import CustomerRow, list_channels, list_customers
from clawscale.domain.runtime.provisioning import retry_provisioning
from clawscale.models import ChannelScope, ChannelStatus, ClaimStatus

router = APIRouter(prefix="/api/admin", dependencies=[Depends(current_admin)])

Filter = Annotated[str | None, Query(max_length=200)]


class ChannelPublic(PublicView):
    """A channel as operators see it: the fields listed here and nothing else (never its
    config, secrets, poll cursor or lease holder)."""

    id: str
    kind: str
    scope: ChannelScope
    owner_customer_id: str | None
    owner_agent_id: str | None
    name: str
    status: ChannelStatus
    lease_expires_at: datetime | None
    last_error: str | None
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime


@router.get(
    "/customers",
    dependencies=[Depends(reject_unknown_query("q", "claim_status"))],
    response_model=Ok[Listing[CustomerRow]],
)
def customers(
    db: SessionDep, page: PageDep, q: Filter = None, claim_status: ClaimStatus | None = None
) -> dict[str, object]:
    """A page of customers, newest first."""
    rows, total = list_customers(db, page.limit, page.offset, q, claim_status)
    return {"ok": True, "data": page.envelope(rows, total)}


class ProvisioningRetried(BaseModel):
    """A binding due for provisioning again."""

    customer_id: str
    provision_status: str


@router.post("/customers/{customer_id}/retry-provisioning", response_model=Ok[ProvisioningRetried])
def retry_customer_provisioning(
    customer_id: str, db: SessionDep, principal: CurrentAdmin
) -> dict[str, object]:
    """Provision the customer's agent binding again (404 `binding_not_found`, 409
    `binding_ready`); audited."""
    binding = retry_provisioning(db, principal.admin.id, customer_id)
    retried = ProvisioningRetried(
        customer_id=customer_id, provision_status=binding.provision_status
    )
    return {"ok": True, "data": retried}


@router.get(
    "/channels",
    dependencies=[Depends(reject_unknown_query("status", "kind"))],
    response_model=Ok[Listing[ChannelPublic]],
)
def channels(
    db: SessionDep,
    page: PageDep,
    status: ChannelStatus | None = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, object]:
    """A page of channels, most recently active first."""
    rows, total = list_channels(db, page.limit, page.offset, status, kind)
    return {"ok": True, "data": page.envelope(rows, total)}
