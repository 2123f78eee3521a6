"""`/api/auth/*`: customer registration, sign-in, email verification, password reset, claim.

Registering and claiming keep the request's Accept-Language (when the site speaks it) as the
language of the person's email.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from clawscale.api.deps import SessionDep
from clawscale.api.envelopes import Empty, Ok
from clawscale.api.rate_limit import ClientAddressDep, LimiterDep, SignInLimiterDep, limited_sign_in
from clawscale.api.security import CurrentCustomer, SettingsDep
from clawscale.api.session_cookies import clear_session_cookie, set_session_cookie
from clawscale.api.validators import email_or_value_error
from clawscale.domain.accounts import customers as accounts
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.domain.accounts.sessions import CUSTOMER_COOKIE, IssuedSession, revoke_session
from clawscale.domain.billing.access import access_summary
from clawscale.domain.errors import Unauthenticated
from clawscale.i18n.locales import from_accept_language
from clawscale.models import ClaimStatus, MembershipRole

router = APIRouter(prefix="/api/auth")

NEUTRAL_MESSAGE = "If the address belongs to an account, we have sent it an email."

Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)]
AnyEmail = Annotated[str, Field(min_length=1, max_length=320)]
Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(email_or_value_error)]
Token = Annotated[str, Field(min_length=1, max_length=2048)]


class RegisterBody(BaseModel):
    """`display_name` (or `displayName`), email, password (8+ characters)."""

    model_config = ConfigDict(populate_by_name=True)

    display_name: str = Field(
        min_length=1, max_length=200, validation_alias=AliasChoices("display_name", "displayName")
    )
    email: Email
    password: Password


class LoginBody(BaseModel):
    email: AnyEmail
    password: Annotated[str, Field(min_length=1, max_length=256)]


class EmailBody(BaseModel):
    email: AnyEmail


class VerifyEmailBody(BaseModel):
    email: AnyEmail
    token: Token


class ResetPasswordBody(BaseModel):
    token: Token
    password: Password


class ClaimRequestBody(BaseModel):
    entry_token: Token
    email: Email
    next: Annotated[str | None, Field(max_length=2048)] = None


class ClaimBody(BaseModel):
    token: Token
    password: Password


class SessionFacts(BaseModel):
    """What a client learns about a session: never a password hash or another person's data."""

    expires_at: datetime
    identity_id: str
    customer_id: str
    email: str | None
    display_name: str
    claim_status: ClaimStatus
    role: MembershipRole


class SessionPublic(SessionFacts):
    """A session just started, with its token."""

    token: str


class MePublic(SessionFacts):
    """The signed-in session, with its email verification and access (never its token)."""

    email_verified: bool
    subscription_active: bool
    subscription_expires_at: datetime


class Neutral(BaseModel):
    """The same answer whether or not an email is known."""

    message: str = NEUTRAL_MESSAGE


class EmailVerified(BaseModel):
    """An identity whose email is now verified."""

    email: str | None
    claim_status: ClaimStatus


class ClaimRequested(BaseModel):
    """A claim mailed."""

    claim_status: ClaimStatus


def _request_locale(request: Request) -> str | None:
    """The language the request's Accept-Language asks for, when the site speaks it."""
    return from_accept_language(request.headers.get("accept-language"))


def _session_facts(account: accounts.Account, expires_at: datetime) -> SessionFacts:
    identity = account.identity
    return SessionFacts(
        expires_at=expires_at,
        identity_id=identity.id,
        customer_id=account.customer.id,
        email=identity.email,
        display_name=identity.display_name,
        claim_status=identity.claim_status,
        role=account.role,
    )


def _signed_in(
    response: Response, settings: SettingsDep, account: accounts.Account, issued: IssuedSession
) -> Ok[SessionPublic]:
    set_session_cookie(response, settings, CUSTOMER_COOKIE, issued.token)
    facts = _session_facts(account, issued.expires_at)
    return Ok(data=SessionPublic(**facts.model_dump(), token=issued.token))


@router.post("/register", status_code=201)
def register(
    body: RegisterBody,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddressDep,
) -> Ok[SessionPublic]:
    """A pending identity with its own customer, signed in; a verification link is mailed in
    the request's language. 429 past the limits per address and per email."""
    limiter.check("register", address, body.email)
    account = accounts.register(
        db,
        settings,
        body.display_name,
        body.email,
        body.password,
        locale=_request_locale(request),
    )
    return _signed_in(
        response, settings, account, accounts.start_session(db, settings, account.identity)
    )


def _session_for(
    db: SessionDep, settings: SettingsDep, response: Response, body: LoginBody
) -> Ok[SessionPublic] | None:
    try:
        identity = accounts.authenticate(db, body.email, body.password)
    except Unauthenticated:
        return None
    account = accounts.account_of(db, identity)
    return _signed_in(response, settings, account, accounts.start_session(db, settings, identity))


@router.post("/login")
async def login(
    body: LoginBody,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    limiter: SignInLimiterDep,
    address: ClientAddressDep,
) -> Ok[SessionPublic]:
    """Sign in; 401 `invalid_credentials` for every failure (held back a little after repeated
    ones), 429 past the limits per address and per (address, email)."""
    answer = await limited_sign_in(
        limiter, "login", address, body.email, lambda: _session_for(db, settings, response, body)
    )
    if answer is None:
        raise Unauthenticated("invalid_credentials", "The email or password is wrong.")
    return answer


@router.post("/logout")
def logout(principal: CurrentCustomer, response: Response, db: SessionDep) -> Ok[Empty]:
    """End this session now; its token stops working everywhere."""
    revoke_session(db, principal.session)
    clear_session_cookie(response, CUSTOMER_COOKIE)
    return Ok(data=Empty())


@router.get("/me")
def me(principal: CurrentCustomer, db: SessionDep) -> Ok[MePublic]:
    """The session's identity and customer, email verification and access."""
    account = principal.account
    access = access_summary(db, account.customer)
    facts = _session_facts(account, principal.session.expires_at)
    public = MePublic(
        **facts.model_dump(),
        email_verified=account.identity.email_verified_at is not None,
        subscription_active=access.active,
        subscription_expires_at=access.expires_at,
    )
    return Ok(data=public)


@router.post("/verify-email")
def verify_email(body: VerifyEmailBody, db: SessionDep) -> Ok[EmailVerified]:
    """Confirm the email with the mailed token; the identity becomes `active`."""
    identity = accounts.verify_email(db, body.email, body.token)
    return Ok(data=EmailVerified(email=identity.email, claim_status=identity.claim_status))


@router.post("/resend-verification")
def resend_verification(
    body: EmailBody,
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddressDep,
) -> Ok[Neutral]:
    """Mail a new verification link; the same answer whether or not the email is known."""
    limiter.check("resend-verification", address, body.email)
    accounts.resend_verification(db, settings, body.email)
    return Ok(data=Neutral())


@router.post("/forgot-password")
def forgot_password(
    body: EmailBody,
    db: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    address: ClientAddressDep,
) -> Ok[Neutral]:
    """Mail a password-reset link; the same answer whether or not the email is known."""
    limiter.check("forgot-password", address, body.email)
    accounts.request_password_reset(db, settings, body.email)
    return Ok(data=Neutral())


@router.post("/reset-password")
def reset_password(body: ResetPasswordBody, db: SessionDep) -> Ok[Empty]:
    """Set a new password with the mailed token; every earlier session ends."""
    accounts.reset_password(db, body.token, body.password)
    return Ok(data=Empty())


@router.post("/claim/request")
def claim_request(
    body: ClaimRequestBody, request: Request, db: SessionDep, settings: SettingsDep
) -> Ok[ClaimRequested]:
    """An unclaimed identity takes an email and is mailed a claim link (unclaimed -> pending),
    in the request's language."""
    accounts.request_claim(
        db,
        settings,
        body.entry_token,
        body.email,
        body.next,
        locale=_request_locale(request),
    )
    return Ok(data=ClaimRequested(claim_status=ClaimStatus.PENDING))


@router.post("/claim")
def claim(
    body: ClaimBody,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
) -> Ok[SessionPublic]:
    """Finish the claim with the mailed token and a password (pending -> active), signed in;
    later email in the request's language."""
    identity = accounts.claim(db, body.token, body.password, locale=_request_locale(request))
    account = accounts.account_of(db, identity)
    return _signed_in(response, settings, account, accounts.start_session(db, settings, identity))
