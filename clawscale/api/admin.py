"""The `/api/admin` namespace: admin sign-in and admin accounts (see CONTRACT.md).

A sign-in answers with a session token (for `Authorization: Bearer`) and also sets it in an
HttpOnly cookie for browsers. Answers are built from the `...Public` models below, so a password
hash cannot reach a client.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import AfterValidator, BaseModel, Field

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Empty, Listing, Ok, PublicView
from clawscale.api.errors import ApiError
from clawscale.api.pagination import PageDep, reject_unknown_query
from clawscale.api.rate_limit import ClientAddressDep, SignInLimiterDep, limited_sign_in
from clawscale.api.security import CurrentAdmin, SettingsDep, current_admin
from clawscale.api.session_cookies import clear_session_cookie, set_session_cookie
from clawscale.api.validators import email_or_value_error
from clawscale.domain.accounts.admins import (
    Removal,
    add_admin,
    count_admins,
    list_admins,
    remove_admin,
    sign_in_admin,
    sign_out_admin,
)
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.domain.accounts.sessions import ADMIN_COOKIE

router = APIRouter(prefix="/api/admin")


class AdminPublic(PublicView):
    """An admin as clients see it."""

    id: str
    email: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class AdminLogin(BaseModel):
    """Sign-in credentials."""

    email: str = Field(max_length=320)
    password: str


class AdminCreate(BaseModel):
    """A new admin's email and password."""

    email: Annotated[str, AfterValidator(email_or_value_error)]
    password: str = Field(min_length=MIN_PASSWORD_LENGTH)


class LoginData(BaseModel):
    """A new admin session."""

    token: str
    expires_at: datetime
    admin: AdminPublic


class SessionData(BaseModel):
    """The session a request is signed in with."""

    admin: AdminPublic
    expires_at: datetime


class AdminData(BaseModel):
    """One admin."""

    admin: AdminPublic


class RemovalData(BaseModel):
    """What removing an admin did."""

    id: str
    outcome: Removal


@router.post("/login")
async def login(
    credentials: AdminLogin,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    limiter: SignInLimiterDep,
    address: ClientAddressDep,
) -> Ok[LoginData]:
    """Sign in; the same 401 for an unknown email, a wrong password or an inactive admin (held
    back a little after repeated failures).

    429 `rate_limited` past the limits per address and per (address, email).
    """
    signed_in = await limited_sign_in(
        limiter,
        "admin-login",
        address,
        credentials.email,
        lambda: sign_in_admin(
            db, credentials.email, credentials.password, settings.ADMIN_JWT_SECRET
        ),
    )
    if signed_in is None:
        raise ApiError(401, "invalid_credentials", "The email or password is not right.")
    set_session_cookie(response, settings, ADMIN_COOKIE, signed_in.issued.token)
    data = LoginData(
        token=signed_in.issued.token,
        expires_at=signed_in.issued.expires_at,
        admin=AdminPublic.model_validate(signed_in.admin),
    )
    return Ok[LoginData](data=data)


@router.post("/logout")
def logout(principal: CurrentAdmin, db: SessionDep, response: Response) -> Ok[Empty]:
    """Sign out: the session's token stops working at once."""
    sign_out_admin(db, principal.admin.id, principal.session)
    clear_session_cookie(response, ADMIN_COOKIE)
    return Ok[Empty](data=Empty())


@router.get("/session")
def session(principal: CurrentAdmin) -> Ok[SessionData]:
    """Who is signed in, and until when."""
    data = SessionData(
        admin=AdminPublic.model_validate(principal.admin),
        expires_at=principal.session.expires_at,
    )
    return Ok[SessionData](data=data)


@router.get("/admins", dependencies=[Depends(current_admin), Depends(reject_unknown_query())])
def admins(page: PageDep, db: SessionDep) -> Ok[Listing[AdminPublic]]:
    """Every admin, oldest first, one page at a time."""
    items = [
        AdminPublic.model_validate(admin) for admin in list_admins(db, page.limit, page.offset)
    ]
    data = Listing[AdminPublic].model_validate(page.envelope(items, count_admins(db)))
    return Ok[Listing[AdminPublic]](data=data)


@router.post("/admins", status_code=201)
def create(new: AdminCreate, principal: CurrentAdmin, db: SessionDep) -> Ok[AdminData]:
    """Add an admin; 409 `admin_already_exists` when the email is taken (in any case)."""
    admin = add_admin(db, principal.admin.id, new.email, new.password)
    return Ok[AdminData](data=AdminData(admin=AdminPublic.model_validate(admin)))


@router.delete("/admins/{admin_id}")
def delete(admin_id: str, principal: CurrentAdmin, db: SessionDep) -> Ok[RemovalData]:
    """Remove an admin: deleted, or deactivated when the audit log refers to it.

    422 `cannot_delete_self` and `cannot_delete_last_active_admin`; 404 `admin_not_found`.
    """
    removal = remove_admin(db, principal.admin.id, admin_id)
    return Ok[RemovalData](data=RemovalData(id=admin_id, outcome=removal))
