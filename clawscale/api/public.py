"""The `/api/public` namespace: renewing access from a link, without signing in.

A chat user follows a renewal link (`billing.links.renewal_link`) to
`GET /api/public/subscription-checkout?token=...` and is sent on to Stripe Checkout. Everything
else a person might land on here is a small plain HTML page that says what happened and what to
do next, never JSON: these URLs are opened in a browser from a chat.
"""

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clawscale.api.deps import SessionDep
from clawscale.api.security import SettingsDep
from clawscale.domain.billing.checkout import PaymentProviderError, start_public_checkout
from clawscale.domain.billing.links import CheckoutReturn
from clawscale.domain.errors import DomainError, Forbidden, InvalidToken, Unavailable
from clawscale.settings import Settings
from clawscale.web_links import ACCOUNT_PATH, web_url

router = APIRouter(prefix="/api/public")

PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;background:#f7f7fb;color:#1c1c28}"
    "main{max-width:32rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.08);line-height:1.5}h1{font-size:1.4rem;margin-top:0}"
)


def html_page(status: int, title: str, *paragraphs: str) -> HTMLResponse:
    """A minimal page with a heading and a few paragraphs of plain text."""
    body = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · ClawScale</title><style>{PAGE_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={"Cache-Control": "no-store"})


def _refusal_page(settings: Settings, error: DomainError) -> HTMLResponse:
    """The page for a checkout that cannot start, by the kind of problem."""
    if isinstance(error, InvalidToken):
        return html_page(
            400,
            "This link has expired",
            "Renewal links work for 24 hours, and this one is invalid or too old.",
            "Send a message to your assistant in the chat to get a fresh link, or sign in "
            f"and renew from your account page: {web_url(settings, ACCOUNT_PATH)}",
        )
    if isinstance(error, Forbidden):
        return html_page(
            403, "This account is suspended", "Contact support to have your account restored."
        )
    if isinstance(error, Unavailable):
        return html_page(
            503, "Payments are not available", "Payments are not configured on this gateway."
        )
    return html_page(
        502,
        "The payment page did not open",
        "The payment provider did not answer. Wait a minute, then open the link again.",
    )


@router.get("/subscription-checkout", response_model=None, response_class=HTMLResponse)
def subscription_checkout(db: SessionDep, settings: SettingsDep, token: str = "") -> Response:
    """302 to Stripe Checkout for a valid renewal token; otherwise a page saying what to do."""
    try:
        link = start_public_checkout(db, settings, token)
    except (InvalidToken, Forbidden, Unavailable, PaymentProviderError) as error:
        return _refusal_page(settings, error)
    return RedirectResponse(link.url, status_code=302, headers={"Cache-Control": "no-store"})


@router.get(f"/subscription-checkout/{CheckoutReturn.SUCCESS}", response_class=HTMLResponse)
def checkout_succeeded() -> HTMLResponse:
    """Where Stripe returns a chat user who paid through a renewal link."""
    return html_page(
        200,
        "Thank you — payment received",
        "We are adding 30 days to your access; it takes effect within a minute.",
        "You can close this page and carry on in the chat.",
    )


@router.get(f"/subscription-checkout/{CheckoutReturn.CANCELLED}", response_class=HTMLResponse)
def checkout_cancelled() -> HTMLResponse:
    """Where Stripe returns a chat user who left Checkout without paying."""
    return html_page(
        200,
        "Payment cancelled",
        "You have not been charged. Open the renewal link again whenever you are ready "
        "(it works for 24 hours).",
    )
