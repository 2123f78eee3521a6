"""A fake of Stripe's HTTP API for Checkout, and webhook events built and signed as Stripe does.

- `POST /v1/checkout/sessions` takes Stripe's form encoding (`line_items[0][price]=...`), checks
  the secret key, and answers a `checkout.session` object whose `url` is a checkout page on this
  fake; visiting that page "pays" and redirects to the session's `success_url`.
- `completed_event(session_id)` builds the `checkout.session.completed` event Stripe would send,
  and `signed(event)` gives the body and `Stripe-Signature` header
  (`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint secret>`);
  `deliver(endpoint, event)` POSTs it there, as Stripe delivers to a webhook endpoint.
"""

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

API_VERSION = "2025-09-30.clover"
PRICE_AMOUNT = 900
WEBHOOK_TIMEOUT = 30.0
KEY_PART = re.compile(r"[^\[\]]+")


def decode_form(body: bytes) -> dict[str, Any]:
    """Stripe's bracketed form encoding as nested dicts (list indices stay string keys)."""
    decoded: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        *parents, leaf = KEY_PART.findall(key)
        node = decoded
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return decoded


def stripe_error(status: int, message: str, kind: str = "invalid_request_error") -> FakeResponse:
    """An error answer shaped like Stripe's."""
    return FakeResponse(status, {"error": {"type": kind, "message": message}})


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value for `payload`."""
    moment = int(time.time()) if timestamp is None else timestamp
    signed_payload = f"{moment}.".encode() + payload
    digest = hmac.new(secret.encode(), signed_payload, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


class FakeStripe:
    """Stripe Checkout for one secret key; keeps the sessions it made and every request."""

    def __init__(self, server: FakeHTTPServer, api_key: str, webhook_secret: str) -> None:
        self.server = server
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.failure: FakeResponse | None = None
        server.route("POST", "/v1/checkout/sessions", self._create_session)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_with(self, status: int = 500, message: str = "Something went wrong.") -> None:
        """Answer every later Checkout request with this Stripe error."""
        self.failure = stripe_error(status, message, "api_error")

    def checkout_requests(self) -> list[RecordedRequest]:
        """The recorded `POST /v1/checkout/sessions` requests."""
        return self.server.requests_to("/v1/checkout/sessions")

    def checkout_forms(self) -> list[dict[str, Any]]:
        """The decoded forms of the Checkout requests, oldest first."""
        return [decode_form(request.body) for request in self.checkout_requests()]

    def last_session(self) -> dict[str, Any]:
        """The newest Checkout session made."""
        return list(self.sessions.values())[-1]

    def _authorised(self, request: RecordedRequest) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def _create_session(self, request: RecordedRequest) -> FakeResponse:
        if not self._authorised(request):
            return stripe_error(401, "Invalid API Key provided.")
        if self.failure is not None:
            return self.failure
        form = decode_form(request.body)
        session_id = f"cs_test_{secrets.token_hex(16)}"
        created = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": PRICE_AMOUNT,
            "amount_total": PRICE_AMOUNT,
            "cancel_url": form.get("cancel_url"),
            "client_reference_id": form.get("client_reference_id"),
            "created": created,
            "currency": "usd",
            "customer": None,
            "customer_details": None,
            "customer_email": form.get("customer_email"),
            "expires_at": created + 24 * 3600,
            "livemode": False,
            "metadata": form.get("metadata", {}),
            "mode": form.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form.get("success_url"),
            "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self.server.route("GET", f"/c/pay/{session_id}", self._pay_page(session))
        return FakeResponse(200, session)

    def _pay_page(self, session: dict[str, Any]) -> Any:
        def pay(_request: RecordedRequest) -> FakeResponse:
            return FakeResponse(302, {}, {"Location": session["success_url"]})

        return pay

    def paid_session(self, session_id: str, email: str = "payer@example.com") -> dict[str, Any]:
        """The session as Stripe describes it once paid."""
        return {
            **self.sessions[session_id],
            "customer_details": {"email": email, "name": "Payer"},
            "payment_intent": f"pi_{secrets.token_hex(12)}",
            "payment_status": "paid",
            "status": "complete",
            "url": None,
        }

    def event(self, event_type: str, data_object: dict[str, Any]) -> dict[str, Any]:
        """An event as Stripe sends it to a webhook endpoint."""
        return {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": data_object},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }

    def completed_event(
        self, session_id: str, event_type: str = "checkout.session.completed"
    ) -> dict[str, Any]:
        """The event Stripe sends when the session's payment has gone through."""
        return self.event(event_type, self.paid_session(session_id))

    def signed(
        self, event: dict[str, Any], *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a webhook delivery of `event`, signed like Stripe signs."""
        payload = json.dumps(event, indent=2).encode()
        signature = sign(payload, secret or self.webhook_secret, timestamp)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return payload, headers

    def deliver(self, endpoint: str, event: dict[str, Any]) -> httpx.Response:
        """POST `event`, signed, to a webhook endpoint; the endpoint's answer."""
        payload, headers = self.signed(event)
        return httpx.post(endpoint, content=payload, headers=headers, timeout=WEBHOOK_TIMEOUT)


@contextmanager
def fake_stripe(
    api_key: str = "sk_test_fake_key", webhook_secret: str = "whsec_test_fake_secret"
) -> Iterator[FakeStripe]:
    """A running fake Stripe."""
    with fake_http_server() as server:
        yield FakeStripe(server, api_key, webhook_secret)
