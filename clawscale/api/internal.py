"""The `/api/internal` namespace: the agent runtime's bridge calls (see CONTRACT.md).

Every route requires `Authorization: Bearer <CLAWSCALE_IDENTITY_API_KEY>`. Bodies are parsed
here, the rules live in `clawscale.domain.runtime.bridge`; unknown body fields are ignored.
"""

from typing import Annotated, Any, ClassVar, Self

from fastapi import APIRouter, Depends
from pydantic import BaseModel, PrivateAttr, StringConstraints, model_validator

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Ok
from clawscale.api.security import SettingsDep, require_api_key
from clawscale.domain.runtime.bridge import (
    BoundRoute,
    DeliveryBinding,
    EndUserBinding,
    ProvisionedUser,
    bind_conversation,
    bind_end_user,
    provision_user,
    require_platform_tenant,
)
from clawscale.models.base import ID_LENGTH

router = APIRouter(
    prefix="/api/internal",
    dependencies=[Depends(require_api_key("CLAWSCALE_IDENTITY_API_KEY"))],
)

GatewayId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ID_LENGTH)
]
"""One of our prefixed ids (`ck_...`, `ch_...`): surrounding whitespace is dropped."""

ExternalKey = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"\S")]
"""A key the runtime or a provider chose: kept verbatim, never blank."""

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class AccountAliases(BaseModel):
    """A body naming one customer by any of its aliases; when several are given they agree."""

    ALIASES: ClassVar[tuple[str, ...]]
    _customer_id: str = PrivateAttr()

    @model_validator(mode="after")
    def _one_account(self) -> Self:
        given = {getattr(self, alias) for alias in self.ALIASES} - {None}
        if len(given) != 1:
            names = " or ".join(self.ALIASES)
            raise ValueError(
                f"Give the account as {names}; when several are given they must agree."
            )
        self._customer_id = given.pop()
        return self

    @property
    def named_customer_id(self) -> str:
        """The customer the body names, whichever alias named it."""
        return self._customer_id


class BindingBody(AccountAliases):
    """`POST /api/internal/coke-bindings`."""

    ALIASES: ClassVar[tuple[str, ...]] = ("customer_id", "coke_account_id")

    tenant_id: ExternalKey
    channel_id: GatewayId
    external_id: ExternalKey
    customer_id: GatewayId | None = None
    coke_account_id: GatewayId | None = None


class DeliveryBody(BaseModel):
    """`POST /api/internal/coke-delivery`."""

    tenant_id: ExternalKey
    conversation_id: GatewayId
    account_id: GatewayId
    business_conversation_key: ExternalKey
    channel_id: GatewayId
    end_user_id: GatewayId
    external_end_user_id: ExternalKey


class ProvisionBody(AccountAliases):
    """`POST /api/internal/coke-users/provision`; a `tenant_id`, when sent, must be ours."""

    ALIASES: ClassVar[tuple[str, ...]] = ("customer_id", "account_id", "coke_account_id")

    tenant_id: ExternalKey | None = None
    customer_id: GatewayId | None = None
    account_id: GatewayId | None = None
    coke_account_id: GatewayId | None = None
    display_name: DisplayName | None = None


def _ok(data: Any) -> dict[str, object]:
    return {"ok": True, "data": data}


@router.post("/coke-bindings", response_model=Ok[EndUserBinding])
def bind_coke_account(
    body: BindingBody, db: SessionDep, settings: SettingsDep
) -> dict[str, object]:
    """Bind a channel's end user to a Coke account."""
    tenant_id = require_platform_tenant(body.tenant_id, settings.COKE_PLATFORM_TENANT_ID)
    return _ok(
        bind_end_user(db, tenant_id, body.channel_id, body.external_id, body.named_customer_id)
    )


@router.post("/coke-delivery", response_model=Ok[BoundRoute])
def bind_coke_delivery(
    body: DeliveryBody, db: SessionDep, settings: SettingsDep
) -> dict[str, object]:
    """Bind a conversation to a Coke account's business conversation and upsert its route."""
    tenant_id = require_platform_tenant(body.tenant_id, settings.COKE_PLATFORM_TENANT_ID)
    binding = DeliveryBinding(**body.model_dump(exclude={"tenant_id"}))
    return _ok(bind_conversation(db, tenant_id, binding))


@router.post("/coke-users/provision", response_model=Ok[ProvisionedUser])
def provision_coke_user(
    body: ProvisionBody, db: SessionDep, settings: SettingsDep
) -> dict[str, object]:
    """Make sure a Coke account is provisioned as a gateway user."""
    tenant_id = require_platform_tenant(body.tenant_id, settings.COKE_PLATFORM_TENANT_ID)
    return _ok(provision_user(db, tenant_id, body.named_customer_id, body.display_name))
