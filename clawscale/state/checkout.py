"""Buying 30 more days from a customer page: the button's handler starts a Stripe Checkout
session through the domain and sends the browser to Stripe's page with a full page load;
Stripe returns it to the page that started it (`CHECKOUT_RETURN_PATH`) with
`?checkout=success|cancelled`, which the page reads on load.

Shared by `/account` and `/account/subscription`. The State keeps message ids (why Checkout did
not start, one of `BUY_ERRORS`) and codes; the pages show them in their language."""

from collections.abc import AsyncIterator
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.domain.billing.checkout import start_account_checkout
from clawscale.domain.billing.links import CheckoutReturn
from clawscale.domain.errors import DomainError
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import signed_in_account
from clawscale.state.redirects import full_page_load
from clawscale.web_links import ACCOUNT_PATH

CHECKOUT_RESULTS = frozenset(CheckoutReturn)
CHECKOUT_FAILED = N_("Checkout could not start. Try again in a minute.")
CHECKOUT_PROBLEMS = {
    "account_suspended": N_("This account is suspended."),
    "email_not_verified": N_("Verify your email address before you pay."),
    "payments_not_configured": N_("Payments are not configured."),
    "payment_provider_error": N_("The payment provider is not answering. Try again soon."),
}
"""Why Checkout did not start, by the domain's refusal code."""
BUY_ERRORS = (*CHECKOUT_PROBLEMS.values(), CHECKOUT_FAILED)


def checkout_url(
    db: Session, settings: Settings, token: str | None, return_path: str
) -> str | None:
    """The Stripe Checkout page for 30 more days of the signed-in customer, returning to the
    page `return_path`; None when the session is not live. Domain errors (unverified,
    suspended, Stripe down) reach the caller."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    return start_account_checkout(db, settings, account, return_path).url


class CheckoutState(rx.State, mixin=True):
    """Buying access from a customer page (mixed in beside `CustomerSessionState`): whether a
    purchase is starting, why it did not, and how Checkout ended when Stripe has just sent the
    browser back (a `CheckoutReturn` value, or "")."""

    CHECKOUT_RETURN_PATH: ClassVar[str] = ACCOUNT_PATH

    checkout_result: str = ""
    buying: bool = False
    buy_error: str = ""
    """Why Checkout did not start, one of `BUY_ERRORS` (message ids), else ""."""

    def _arrive_from_checkout(self) -> None:
        """On load: no purchase under way, and how Checkout ended when Stripe has just sent
        the browser back here."""
        self.buying = False
        self.buy_error = ""
        result = self.router.url.query_parameters.get("checkout", "")
        self.checkout_result = result if result in CHECKOUT_RESULTS else ""

    @rx.event
    async def buy_access(self) -> AsyncIterator[EventSpec | None]:
        """Start a Stripe Checkout for 30 more days and send the browser to pay."""
        self.buying = True
        self.buy_error = ""
        yield None
        token = self._session_token()  # type: ignore[attr-defined]
        return_path = self.CHECKOUT_RETURN_PATH
        try:
            url = await run_domain(
                lambda db, settings: checkout_url(db, settings, token, return_path)
            )
        except DomainError as error:
            self.buy_error = CHECKOUT_PROBLEMS.get(error.code, CHECKOUT_FAILED)
            self.buying = False
            return
        yield self._to_login() if url is None else full_page_load(url)  # type: ignore[attr-defined]
