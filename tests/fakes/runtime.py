"""A fake agent runtime that reads forwards exactly as Coke's bridge does.

Coke (github.com/yidianyiko/openCoke) takes the gateway's forwards at `POST /bridge/inbound`
(`connector/clawscale_bridge/app.py`). This fake ports what decides the answer:

- the checks of the Flask route: the bearer key (`auth.py`), the 5 MiB body limit, the JSON
  object;
- `BusinessOnlyBridgeGateway._normalize_inbound` and `_trusted_coke_account_id`: the fields
  read from the body (payload keys first, then metadata camelCase keys; the account fields the
  other way round, as `_metadata_value` does), the required context and the attachments
  (`inbound_attachments.py`, ported below with its limits);
- `handle_inbound`: errors, empty inbounds, denied access, then `_enqueue_and_wait`: the input
  is stored once per inbound event id (`message_gateway.enqueue` upserts), and the request
  waits up to `reply_timeout_seconds` for the agent's reply (`reply_waiter.wait_for_reply`).

The agent is scripted: each new message takes the next item of `replies` (a text, a dict or a
`Reply`); it lands `delay_seconds` (default `hold_seconds`) after the message was stored. With
no scripted reply the agent stays silent and the request answers `{"ok": true}` after the
timeout. A reply is consumed by the requests waiting when it lands (or by the first one to
come later); a redelivery after that finds nothing and times out, like Coke. A request that
times out starts Coke's late-reply fallback: a reply landing later is promoted for push
delivery (`LateReply`, handed to `late_reply_sink` in a background thread) if it has a
business conversation key and a gateway conversation id, else it is recorded as lost.

Each new message also lands in a conversation between its customer and Coke's character, as
Coke's worker files it (`message_processor.py`): the one whose user talker is
`clawscale:<key>` for the message's business conversation key, else its gateway conversation
id; else a new one keyed by the first of those it has (else its inbound event id).
`add_conversation` scripts one without a message.

The Google Calendar import endpoints of the same app are ported too (`app.py` and
`google_calendar_import_service.py`):

- `POST /bridge/internal/google-calendar-import/preflight`: the bearer key, `get_json(force=True)
  or {}`, then `GoogleCalendarImportService.preflight`: `customer_id_required` unless the
  customer id is a non-blank string; the conversation is the one keyed by the business
  conversation key, else the gateway conversation id (not checked against the customer, like
  Coke's lookup by talker ids), else the customer's latest; none is `conversation_required`.
  The character is the fake's `character_id`, the timezone the customer's
  (`user_timezones`, when a valid IANA name) else `default_timezone` (Coke's "Asia/Shanghai").
- `POST /bridge/internal/google-calendar-import/run`: `_resolve_google_calendar_import_target`
  (the body's target when customer, conversation, character and timezone are all non-blank
  strings, else the preflight by customer id alone), then `import_events` event by event:
  tombstone cancellations (no summary, description, location, start, end or recurrence) and
  instances of a series (`recurringEventId` and `originalStartTime`) and events without an id
  are passed over uncounted; a series with a (non-tombstone) instance in the batch is skipped
  with `unsupported_recurring_exceptions`; a repeat of an (id, original start) in the batch is
  passed over; one already imported for the same customer (any run) is skipped with
  `duplicate_existing_reminder`; the rest are imported (a cancelled event with details too),
  as recurring, future or historical reminders (`imported_reminders`). An imported event
  without a start fails the whole run with 400 `event_start_required` (the reminders made
  before it stay, as in Coke's Mongo); other ValueErrors (`recurrence_required`, a bad ISO
  time) answer 400 with their message, and the shapes Coke's code trips over answer Flask's
  HTML 500. The rule text of a series is not parsed (Coke's dateutil would refuse a malformed
  one).

Coke has no provisioning endpoint; for gateways that provision, the fake also serves
`POST /provision`.
"""

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from tests.fakes.http_server import FakeHTTPServer, FakeResponse, RecordedRequest, fake_http_server

INBOUND_PATH = "/bridge/inbound"
AGENT_PATH = INBOUND_PATH
"""The former name of the message path, still imported by tests."""
PROVISION_PATH = "/provision"
CALENDAR_IMPORT_PREFLIGHT_PATH = "/bridge/internal/google-calendar-import/preflight"
CALENDAR_IMPORT_RUN_PATH = "/bridge/internal/google-calendar-import/run"

DEFAULT_CHARACTER_ID = "6627c0ce0000000000000001"
"""The id (a Mongo ObjectId, as `ensure_default_character_seeded` returns) of Coke's default
character in the fake, unless told otherwise."""
DEFAULT_TIMEZONE = "Asia/Shanghai"
"""Coke's fallback `default_timezone`."""
IMPORT_PROVIDER = "google_calendar"
DEFAULT_EVENT_TITLE = "Google Calendar event"

MAX_INBOUND_ATTACHMENTS = 4
MAX_HTTP_URL_LENGTH = 4096
MAX_DATA_URL_BYTES = 2 * 1024 * 1024
MAX_TOTAL_DATA_URL_BYTES = 4 * 1024 * 1024
MAX_ATTACHMENT_JSON_BYTES = 5 * 1024 * 1024
MAX_BRIDGE_INBOUND_REQUEST_BYTES = MAX_ATTACHMENT_JSON_BYTES
MAX_DISPLAY_FILENAME_LENGTH = 120
TRUSTED_DATA_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "audio/ogg",
        "audio/mpeg",
        "audio/silk",
        "video/mp4",
        "application/pdf",
    }
)
REQUIRED_CONTEXT = (
    "tenant_id",
    "channel_id",
    "platform",
    "external_id",
    "end_user_id",
    "coke_account_id",
)
ROUTE_CONTEXT = ("tenant_id", "gateway_conversation_id", "channel_id", "end_user_id", "external_id")
"""What Coke's late-reply promoter needs to bind the delivery route before pushing."""

_DATA_URL_RE = re.compile(r"^data:([^;,]+);base64,([A-Za-z0-9+/=]+)$")
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x1f\x7f]")


# --- attachments: a port of connector/clawscale_bridge/inbound_attachments.py ---------------


@dataclass(frozen=True)
class AttachmentResult:
    """What `normalize_inbound_attachments` makes of one list: the kept attachments, or why
    the whole list is rejected."""

    attachments: list[dict[str, Any]]
    rejected: bool = False
    reason: str | None = None


def _rejected(reason: str) -> AttachmentResult:
    return AttachmentResult(attachments=[], rejected=True, reason=reason)


def _read_string(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read_size(value: Any) -> int | float | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return value if is_number and value >= 0 else None


def _sanitize_display_filename(value: str) -> str:
    sanitized = re.sub(r"\s+", " ", _CONTROL_CHARS_RE.sub(" ", value)).strip()
    if not sanitized or "data:" in sanitized.lower():
        return "attachment"
    return sanitized[:MAX_DISPLAY_FILENAME_LENGTH]


def _json_string_footprint(value: str) -> int:
    """Bytes Coke counts for a JSON string: quotes, 6 per control character, 2 per quote or
    backslash, else UTF-8 (a lone surrogate, which makes Coke fail with a 500, counts 3)."""
    total = 2
    for char in value:
        if ord(char) <= 0x1F:
            total += 6
        elif char in {'"', "\\"}:
            total += 2
        else:
            total += len(char.encode("utf-8", "surrogatepass"))
    return total


def json_footprint(value: Any) -> int:
    """Coke's `_bounded_json_footprint_bytes`, unbounded (the same verdict against the limit;
    parsed JSON has no cycles and only string keys)."""
    if value is None:
        return 4
    if isinstance(value, str):
        return _json_string_footprint(value)
    if isinstance(value, bool):
        return 4 if value else 5
    if isinstance(value, int | float):
        return len(str(value).encode("utf-8"))
    if isinstance(value, list):
        return 2 + max(len(value) - 1, 0) + sum(json_footprint(item) for item in value)
    if isinstance(value, dict):
        pairs = sum(_json_string_footprint(k) + 1 + json_footprint(v) for k, v in value.items())
        return 2 + max(len(value) - 1, 0) + pairs
    return MAX_ATTACHMENT_JSON_BYTES + 1


def parse_data_url(value: str) -> tuple[str, int] | None:
    """`(content type, decoded bytes)` of a canonical base64 data URL of a trusted type."""
    match = _DATA_URL_RE.match(value)
    if not match:
        return None
    content_type, payload = match.group(1).lower(), match.group(2)
    if content_type not in TRUSTED_DATA_CONTENT_TYPES or len(payload) % 4 != 0:
        return None
    padding = payload.find("=")
    if padding != -1 and not re.fullmatch(r"=+", payload[padding:]):
        return None
    try:
        decoded = base64.b64decode(payload, validate=True)
    except ValueError:
        return None
    if base64.b64encode(decoded).decode("ascii") != payload:
        return None
    return content_type, len(decoded)


def _split_http_url(url: str) -> tuple[SplitResult, int | None] | None:
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or not parsed.hostname:
        return None
    if len(urlunsplit(parsed)) > MAX_HTTP_URL_LENGTH:
        return None
    return parsed, port


def _safe_display_url(parsed: SplitResult, port: int | None) -> str:
    """The URL without credentials, query or fragment."""
    host = parsed.hostname or ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parsed.scheme, netloc, parsed.path, "", ""))


def _data_attachment(content_type: str, data_bytes: int, filename: str, size: Any) -> dict:
    placeholder = f"[inline {content_type} attachment: {filename}]"
    return {
        "url": placeholder,
        "contentType": content_type,
        "filename": filename,
        "safeDisplayUrl": placeholder,
        "size": size if size is not None else data_bytes,
    }


def _http_attachment(url: str, raw: dict, filename: str, size: Any) -> dict | None:
    split = _split_http_url(url)
    if split is None:
        return None
    parsed, port = split
    attachment = {
        "url": urlunsplit(parsed),
        "contentType": _read_string(raw.get("contentType")) or "application/octet-stream",
        "filename": filename,
        "safeDisplayUrl": _safe_display_url(parsed, port),
    }
    if size is not None:
        attachment["size"] = size
    return attachment


def _attachment_url(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    url = _read_string(raw.get("url"))
    return (_CONTROL_CHARS_RE.sub("", url).strip() or None) if url else None


def normalize_inbound_attachments(raw_attachments: Any) -> AttachmentResult:
    """Coke's `normalize_inbound_attachments`: at most 4, within the JSON footprint; items
    without a usable URL are dropped; data URLs must be canonical base64 of a trusted type
    (2 MiB each, 4 MiB together) and become placeholders; http(s) URLs are kept normalised."""
    if not isinstance(raw_attachments, list) or not raw_attachments:
        return AttachmentResult(attachments=[])
    if len(raw_attachments) > MAX_INBOUND_ATTACHMENTS:
        return _rejected("attachment_limit_exceeded")
    if json_footprint(raw_attachments) > MAX_ATTACHMENT_JSON_BYTES:
        return _rejected("attachment_payload_too_large")
    attachments: list[dict[str, Any]] = []
    data_bytes_total = 0
    for raw in raw_attachments:
        url = _attachment_url(raw)
        if url is None:
            continue
        filename = _read_string(raw.get("filename")) or "attachment"
        size = _read_size(raw.get("size"))
        if not url.startswith("data:"):
            attachment = _http_attachment(url, raw, filename, size)
            attachments.extend([attachment] if attachment else [])
            continue
        parsed = parse_data_url(url)
        if parsed is None:
            continue
        content_type, data_bytes = parsed
        data_bytes_total += data_bytes
        if data_bytes > MAX_DATA_URL_BYTES or data_bytes_total > MAX_TOTAL_DATA_URL_BYTES:
            return _rejected("attachment_payload_too_large")
        display_name = _sanitize_display_filename(filename)
        attachments.append(_data_attachment(content_type, data_bytes, display_name, size))
    return AttachmentResult(attachments=attachments)


def format_input_with_attachments(text: Any, attachments: list[dict[str, Any]]) -> str:
    """The text the agent reads: the message, a blank line, one `Attachment: <url>` line each."""
    text = text if isinstance(text, str) else ""
    lines = "\n".join(
        f"Attachment: {item['safeDisplayUrl']}"
        for item in attachments
        if isinstance(item, dict) and item.get("safeDisplayUrl")
    )
    if text and lines:
        return f"{text}\n\n{lines}"
    return lines or text


# --- the inbound body: a port of BusinessOnlyBridgeGateway._normalize_inbound ---------------


@dataclass
class InboundMessage:
    """One request body as Coke's bridge normalises it. Values are as the body had them (the
    required ones are non-blank strings once the message is accepted); `inbound_text` is the
    raw text, `input` the text with its attachment lines."""

    body: dict[str, Any]
    tenant_id: Any
    channel_id: Any
    platform: Any
    external_id: Any
    end_user_id: Any
    coke_account_id: Any
    clawscale_user_id: Any
    channel_scope: Any
    inbound_event_id: Any
    gateway_conversation_id: Any
    business_conversation_key: Any
    sync_reply_token: Any
    inbound_text: Any
    input: str
    attachments: list[dict[str, Any]]
    attachments_rejected: bool
    attachments_rejected_reason: str | None
    coke_account_display_name: Any
    account_status: Any
    email_verified: Any
    subscription_active: Any
    subscription_expires_at: Any
    account_access_allowed: Any
    account_access_denied_reason: Any
    renewal_url: Any

    @property
    def text(self) -> str:
        """The person's text (`""` when it is not a string)."""
        return self.inbound_text if isinstance(self.inbound_text, str) else ""


def _latest_user_message(messages: list[Any]) -> dict[str, Any]:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message
    return {}


def _choose_attachments(payload: dict, latest_user: dict, last: dict) -> AttachmentResult:
    """The first list that is rejected or keeps something: the payload's, the latest user
    message's, the last message's (when it is another user message)."""
    candidates = [payload.get("attachments")]
    if latest_user:
        candidates.append(latest_user.get("attachments"))
    if last.get("role") == "user" and last is not latest_user:
        candidates.append(last.get("attachments"))
    for raw in candidates:
        result = normalize_inbound_attachments(raw)
        if result.rejected or result.attachments:
            return result
    return AttachmentResult(attachments=[])


def _first_present(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _payload_fields(payload: dict, metadata: dict) -> dict[str, Any]:
    """Fields read payload key first, then the metadata's camelCase key (falsy values skip)."""
    pairs = {
        "tenant_id": "tenantId",
        "channel_id": "channelId",
        "platform": "platform",
        "external_id": "externalId",
        "end_user_id": "endUserId",
        "business_conversation_key": "businessConversationKey",
        "inbound_event_id": "inboundEventId",
        "sync_reply_token": "syncReplyToken",
        "channel_scope": "channelScope",
        "clawscale_user_id": "clawscaleUserId",
    }
    fields = {key: payload.get(key) or metadata.get(camel) for key, camel in pairs.items()}
    fields["gateway_conversation_id"] = (
        payload.get("gateway_conversation_id")
        or metadata.get("gatewayConversationId")
        or payload.get("conversation_id")
        or metadata.get("conversationId")
    )
    fields["coke_account_id"] = _first_present(
        payload.get("coke_account_id"),
        payload.get("customer_id"),
        payload.get("customerId"),
        metadata.get("cokeAccountId"),
        metadata.get("customerId"),
        metadata.get("customer_id"),
    )
    return fields


def _account_fields(payload: dict, metadata: dict) -> dict[str, Any]:
    """Account fields, read as `_metadata_value` does: the metadata's camelCase key unless it
    is missing or null, then the payload's snake_case key."""
    pairs = {
        "coke_account_display_name": "cokeAccountDisplayName",
        "account_status": "accountStatus",
        "email_verified": "emailVerified",
        "subscription_active": "subscriptionActive",
        "subscription_expires_at": "subscriptionExpiresAt",
        "account_access_allowed": "accountAccessAllowed",
        "account_access_denied_reason": "accountAccessDeniedReason",
        "renewal_url": "renewalUrl",
    }
    return {
        key: _first_present(metadata.get(camel), payload.get(key)) for key, camel in pairs.items()
    }


def normalize_inbound(payload: dict[str, Any]) -> InboundMessage:
    """Coke's `_normalize_inbound` of a request body (a JSON object)."""
    metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    messages = payload.get("messages") if isinstance(payload.get("messages"), list) else []
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    latest_user = _latest_user_message(messages)
    text = payload.get("input") or latest_user.get("content") or last.get("content") or ""
    chosen = _choose_attachments(payload, latest_user, last)
    return InboundMessage(
        body=payload,
        inbound_text=text,
        input=format_input_with_attachments(text, chosen.attachments),
        attachments=chosen.attachments,
        attachments_rejected=chosen.rejected,
        attachments_rejected_reason=chosen.reason,
        **_payload_fields(payload, metadata),
        **_account_fields(payload, metadata),
    )


def _has_context(message: InboundMessage, names: tuple[str, ...]) -> bool:
    values = (getattr(message, name) for name in names)
    return all(isinstance(value, str) and value.strip() for value in values)


def trusted_coke_account_id(message: InboundMessage) -> str | None:
    """Coke's `_trusted_coke_account_id`: the account id when the required context is there
    (and, on a personal channel, the ClawScale user id)."""
    if not _has_context(message, REQUIRED_CONTEXT):
        return None
    if message.channel_scope == "personal" and not _has_context(message, ("clawscale_user_id",)):
        return None
    return message.coke_account_id


def access_denied_reply(message: InboundMessage) -> str:
    """What Coke answers a customer whose access is denied, with the renewal link if any."""
    reasons = {
        "subscription_required": "Your subscription is required.",
        "email_not_verified": "Your email address is not verified.",
        "account_suspended": "Your account is suspended.",
    }
    reason = message.account_access_denied_reason
    text = reasons.get(
        reason if isinstance(reason, str) else "", "This account is currently unavailable."
    )
    return f"{text} Renew here: {message.renewal_url}" if message.renewal_url else text


def _error(status: int, error: str) -> FakeResponse:
    return FakeResponse(status, {"ok": False, "error": error})


def immediate_answer(message: InboundMessage) -> FakeResponse | None:
    """`handle_inbound` up to the enqueue: the answer when the message is not enqueued."""
    if not trusted_coke_account_id(message):
        return _error(400, "missing_coke_account_id")
    if message.attachments_rejected:
        return _error(400, message.attachments_rejected_reason or "attachment_payload_too_large")
    if not message.input.strip() and not message.attachments:
        return FakeResponse(200, {"ok": True, "ignored": True, "reason": "empty_inbound"})
    if message.account_access_allowed is False:
        return FakeResponse(200, {"ok": True, "reply": access_denied_reply(message)})
    return None


def read_json_object(request: RecordedRequest) -> dict[str, Any] | FakeResponse:
    """The body as Flask's `get_json(force=True)` reads it, or the route's 400 answer."""
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _error(400, "invalid_json")
    return payload if isinstance(payload, dict) else _error(400, "invalid_request")


def _content_length(request: RecordedRequest) -> int | None:
    try:
        return int(request.headers.get("content-length", ""))
    except ValueError:
        return None


# --- replies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A scripted agent reply. `delay_seconds` (default: the fake's `hold_seconds`) counts from
    when the message is stored; the business conversation key defaults to the inbound's, else
    one Coke would mint for the account (`omit_business_conversation_key` leaves it out)."""

    text: str = ""
    delay_seconds: float | None = None
    business_conversation_key: str | None = None
    output_id: str | None = None
    omit_business_conversation_key: bool = False


ScriptedReply = str | dict[str, Any] | Reply


def as_reply(item: ScriptedReply) -> Reply:
    """A `Reply` from a text, a `Reply`, or a dict with `reply`, `delay_seconds`,
    `business_conversation_key` (null: omitted) and `output_id`."""
    if isinstance(item, Reply):
        return item
    if isinstance(item, str):
        return Reply(text=item)
    return Reply(
        text=item.get("reply") or "",
        delay_seconds=item.get("delay_seconds"),
        business_conversation_key=item.get("business_conversation_key"),
        output_id=item.get("output_id"),
        omit_business_conversation_key=(
            "business_conversation_key" in item and item["business_conversation_key"] is None
        ),
    )


@dataclass(frozen=True)
class Output:
    """The agent's reply as Coke stores it for one inbound event."""

    text: str
    output_id: str
    business_conversation_key: str | None
    causal_inbound_event_id: str
    ready_at: float
    """`time.monotonic()` when the reply lands."""

    def answer(self) -> dict[str, Any]:
        """The route's answer carrying this reply (only non-empty keys, as app.py filters)."""
        answer: dict[str, Any] = {"ok": True}
        for key, value in (
            ("reply", self.text),
            ("business_conversation_key", self.business_conversation_key),
            ("output_id", self.output_id),
            ("causal_inbound_event_id", self.causal_inbound_event_id),
        ):
            if value:
                answer[key] = value
        return answer


def _output(reply: Reply, message: InboundMessage, event_id: str, hold: float) -> Output:
    key = reply.business_conversation_key or message.business_conversation_key
    if not key:
        key = f"bc_{message.coke_account_id}"
    delay = hold if reply.delay_seconds is None else reply.delay_seconds
    return Output(
        text=reply.text,
        output_id=reply.output_id or uuid.uuid4().hex[:24],
        business_conversation_key=None if reply.omit_business_conversation_key else key,
        causal_inbound_event_id=event_id,
        ready_at=time.monotonic() + delay,
    )


def _utc_now_iso() -> str:
    """Now as Coke's outbound client writes timestamps: `2026-01-31T12:00:00Z`."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class LateReply:
    """A reply that landed after its request timed out, promoted by Coke for push delivery."""

    message: InboundMessage
    output: Output

    def delivery_route_body(self) -> dict[str, Any]:
        """What Coke posts to the gateway's `/api/internal/coke-delivery` first."""
        message = self.message
        return {
            "tenant_id": message.tenant_id,
            "conversation_id": message.gateway_conversation_id,
            "account_id": message.coke_account_id,
            "business_conversation_key": self.output.business_conversation_key,
            "channel_id": message.channel_id,
            "end_user_id": message.end_user_id,
            "external_end_user_id": message.external_id,
        }

    def outbound_body(self) -> dict[str, Any]:
        """What Coke's output dispatcher then posts to the gateway's `/api/outbound`."""
        key = f"late_sync_reply:{self.output.output_id}"
        return {
            "output_id": self.output.output_id,
            "customer_id": self.message.coke_account_id.strip(),
            "business_conversation_key": self.output.business_conversation_key,
            "text": self.output.text,
            "message_type": "text",
            "delivery_mode": "push",
            "expect_output_timestamp": _utc_now_iso(),
            "idempotency_key": key,
            "trace_id": key,
            "causal_inbound_event_id": self.output.causal_inbound_event_id,
        }


@dataclass(frozen=True)
class LostReply:
    """A reply the gateway never gets: `reason` is `answered_to_a_closed_connection` (consumed
    by a request the gateway had given up on), or Coke's promoter's warning
    (`late_clawscale_reply_missing_business_conversation_key`,
    `late_clawscale_reply_missing_route_context`)."""

    message: InboundMessage
    output: Output
    reason: str


@dataclass
class _Event:
    """One stored input (per inbound event id) and the fate of its reply."""

    message: InboundMessage
    output: Output | None
    waiters: list[tuple[float, float]] = field(default_factory=list)
    taken_at: float | None = None
    taken_by_request: bool = False
    promotion_tried: bool = False

    def waiting_at(self, moment: float) -> bool:
        """Whether some request was waiting for the reply at `moment`."""
        return any(start <= moment <= deadline for start, deadline in self.waiters)

    def take_for_request(self, start: float) -> bool:
        """Whether the request waiting since `start` gets the landed reply: it is still
        pending, or it was consumed while this request was already waiting (Coke's waiters
        poll, so concurrent ones all read it before one marks it handled)."""
        assert self.output is not None
        if self.taken_at is None:
            self.taken_at = max(self.output.ready_at, start)
            self.taken_by_request = True
            return True
        return self.taken_by_request and self.taken_at >= start


def _unroutable_reason(message: InboundMessage, output: Output) -> str | None:
    """Why Coke's late-reply promoter gives a landed reply up, if it does."""
    if not output.business_conversation_key:
        return "late_clawscale_reply_missing_business_conversation_key"
    if not _has_context(message, ROUTE_CONTEXT):
        return "late_clawscale_reply_missing_route_context"
    return None


def late_reply_window(reply_timeout_seconds: float) -> float:
    """How long Coke's late-reply promoter waits after a request timed out."""
    return max(reply_timeout_seconds * 4, 300)


# --- conversations and the calendar import: a port of google_calendar_import_service.py ----


@dataclass(frozen=True)
class Conversation:
    """A private conversation between a customer and Coke's character. `conversation_key` is
    the stable id in the customer's talker id `clawscale:<key>`."""

    conversation_id: str
    customer_id: str
    conversation_key: str


@dataclass(frozen=True)
class ImportedReminder:
    """A reminder Coke made of one calendar event: `kind` says which `DeferredActionService`
    method made it (`recurring`, `future` or `historical`, the last one completed at once)."""

    kind: str
    user_id: str
    character_id: str
    conversation_id: str
    title: str
    dtstart: datetime
    timezone: str
    rrule: str | None
    metadata: dict[str, Any]

    @property
    def source_event_id(self) -> str:
        return self.metadata["source_event_id"]

    def is_duplicate_of(self, user_id: str, event_id: str, original_start: str) -> bool:
        """`find_imported_reminder_duplicate`: same user, provider, event id, original start."""
        metadata = self.metadata
        return (
            self.user_id == user_id
            and metadata.get("import_provider") == IMPORT_PROVIDER
            and metadata.get("source_event_id") == event_id
            and metadata.get("source_original_start_time") == original_start
        )


@dataclass(frozen=True)
class CalendarImport:
    """One run request that reached the import service, with the target it resolved (None
    when that failed) and the answer."""

    body: dict[str, Any]
    target: dict[str, Any] | None
    status: int
    answer: Any

    @property
    def run_id(self) -> Any:
        return self.body.get("run_id")

    @property
    def customer_id(self) -> Any:
        return self.body.get("customer_id")

    @property
    def identity_id(self) -> Any:
        return self.body.get("identity_id")

    @property
    def provider_account_email(self) -> Any:
        return self.body.get("provider_account_email")

    @property
    def calendar_defaults(self) -> Any:
        return self.body.get("calendar_defaults")

    @property
    def events(self) -> Any:
        return self.body.get("events")


def _non_blank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def valid_timezone(name: Any) -> bool:
    """Whether `name` is a non-blank IANA timezone name `ZoneInfo` accepts."""
    if not _non_blank(name):
        return False
    try:
        ZoneInfo(name)
    except Exception:
        return False
    return True


def is_tombstone_cancellation(event: dict[str, Any]) -> bool:
    """`_is_tombstone_only_cancellation_artifact`: cancelled with none of the event's details."""
    if event.get("status") != "cancelled":
        return False
    details = ("summary", "description", "location", "start", "end", "recurrence")
    return not any(event.get(name) for name in details)


def _is_series_instance(event: dict[str, Any]) -> bool:
    return bool(event.get("recurringEventId") and event.get("originalStartTime"))


def series_exception_ids(events: Any) -> set[str]:
    """Ids of the series in the batch that also have an instance in it (tombstones aside)."""
    series_ids = {
        str(event.get("id"))
        for event in events
        if isinstance(event, dict) and event.get("recurrence")
    }
    return {
        str(event.get("recurringEventId"))
        for event in events
        if isinstance(event, dict)
        and not is_tombstone_cancellation(event)
        and _is_series_instance(event)
        and str(event.get("recurringEventId")) in series_ids
    }


def source_original_start_time(event: dict[str, Any]) -> str:
    """`_source_original_start_time`: the original start of an instance, else the start."""
    original = event.get("originalStartTime") or {}
    if isinstance(original, dict):
        if original.get("dateTime"):
            return str(original["dateTime"])
        if original.get("date"):
            return str(original["date"])
    start = event.get("start") or {}
    if start.get("dateTime"):
        return str(start["dateTime"])
    if start.get("date"):
        return str(start["date"])
    return ""


def normalize_rrule(recurrence: Any) -> str:
    """`_normalize_rrule`: the first `RRULE:` line without its prefix, else the first line."""
    values = (
        [recurrence]
        if isinstance(recurrence, str)
        else [item for item in (recurrence or []) if isinstance(item, str)]
    )
    for item in values:
        if item.startswith("RRULE:"):
            return item.removeprefix("RRULE:")
    if values:
        return values[0]
    raise ValueError("recurrence_required")


def resolve_event_timezone(
    event: dict[str, Any], calendar_defaults: dict[str, Any], target_timezone: Any, fallback: str
) -> str:
    """`_resolve_event_timezone`: the first valid of the start's, the end's, then the
    calendar's and the target's (the target's first for an all-day event)."""
    start = event.get("start") or {}
    end = event.get("end") or {}
    calendar_timezone = calendar_defaults.get("timezone")
    if start.get("date") and not start.get("dateTime"):
        candidates = (
            start.get("timeZone"),
            end.get("timeZone"),
            target_timezone,
            calendar_timezone,
        )
    else:
        candidates = (
            start.get("timeZone"),
            end.get("timeZone"),
            calendar_timezone,
            target_timezone,
        )
    return next((name for name in candidates if valid_timezone(name)), fallback)


def effective_reminder_minutes(
    event: dict[str, Any], calendar_defaults: dict[str, Any]
) -> int | None:
    """The earliest popup: the calendar's defaults when the event uses them, else its
    overrides."""
    reminders = event.get("reminders") or {}
    if reminders.get("useDefault") is True:
        effective = calendar_defaults.get("default_reminders") or []
    else:
        effective = reminders.get("overrides") or []
    minutes = [
        item.get("minutes")
        for item in effective
        if isinstance(item, dict) and isinstance(item.get("minutes"), int)
    ]
    return min(minutes) if minutes else None


def _parse_datetime(value: str, timezone_name: str) -> datetime:
    if value.endswith("Z"):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return parsed.replace(tzinfo=ZoneInfo(timezone_name)).astimezone(UTC)


def parse_event_start(event: dict[str, Any], timezone_name: str) -> datetime:
    """`_parse_event_start`: the start's dateTime (in UTC), else its date at midnight."""
    start = event.get("start") or {}
    zone = ZoneInfo(timezone_name)
    if start.get("dateTime"):
        return _parse_datetime(start["dateTime"], timezone_name)
    if start.get("date"):
        return datetime.fromisoformat(start["date"]).replace(tzinfo=zone)
    raise ValueError("event_start_required")


def effective_reminder_datetime(
    event: dict[str, Any], calendar_defaults: dict[str, Any], target_timezone: Any, fallback: str
) -> tuple[datetime, str]:
    """When the reminder fires and in which timezone: the earliest popup before the start, else
    the start (9:00 for an all-day event)."""
    timezone_name = resolve_event_timezone(event, calendar_defaults, target_timezone, fallback)
    event_start = parse_event_start(event, timezone_name)
    minutes = effective_reminder_minutes(event, calendar_defaults)
    if minutes is not None:
        return event_start - timedelta(minutes=minutes), timezone_name
    if (event.get("start") or {}).get("date"):
        return event_start.replace(hour=9), timezone_name
    return event_start, timezone_name


@dataclass(frozen=True)
class ImportRun:
    """What `import_events` is called with, and the fake's clock and fallback timezone."""

    target: dict[str, Any]
    run_id: Any
    provider_account_email: Any
    calendar_defaults: Any
    now: Callable[[], datetime]
    fallback_timezone: str


def make_reminder(run: ImportRun, event: dict[str, Any], event_id: str) -> ImportedReminder:
    """The reminder Coke creates for one event it imports."""
    target = run.target
    dtstart, timezone_name = effective_reminder_datetime(
        event, run.calendar_defaults, target["timezone"], run.fallback_timezone
    )
    metadata = {
        "import_provider": IMPORT_PROVIDER,
        "import_run_id": run.run_id,
        "provider_account_email": run.provider_account_email,
        "source_event_id": event_id,
        "source_original_start_time": source_original_start_time(event),
    }
    title = (event.get("summary") or "").strip() or DEFAULT_EVENT_TITLE
    rrule = normalize_rrule(event.get("recurrence")) if event.get("recurrence") else None
    kind = "recurring" if rrule is not None else "future"
    if rrule is None and dtstart < run.now():
        kind = "historical"
    return ImportedReminder(
        kind=kind,
        user_id=target["user_id"],
        character_id=target["character_id"],
        conversation_id=target["conversation_id"],
        title=title,
        dtstart=dtstart,
        timezone=timezone_name,
        rrule=rrule,
        metadata=metadata,
    )


def _skip(result: dict[str, Any], event_id: str, reason: str) -> None:
    result["skipped_count"] += 1
    result["warnings"].append({"event_id": event_id, "reason": reason})
    result["warning_count"] = len(result["warnings"])


def _event_id(event: Any) -> str | None:
    """The id of an event the loop considers, None for one it passes over uncounted."""
    if not isinstance(event, dict) or is_tombstone_cancellation(event):
        return None
    if _is_series_instance(event):
        return None
    return str(event.get("id") or "").strip() or None


def import_events(run: ImportRun, events: Any, reminders: list[ImportedReminder]) -> dict[str, Any]:
    """`GoogleCalendarImportService.import_events`: appends the reminders it creates to
    `reminders` (the customer's earlier ones are there to find duplicates) and returns the
    counts."""
    events = events or []
    result: dict[str, Any] = {
        "imported_count": 0,
        "skipped_count": 0,
        "warning_count": 0,
        "warnings": [],
    }
    exception_ids = series_exception_ids(events)
    seen: set[tuple[str, str]] = set()
    user_id = run.target["user_id"]
    for event in events:
        event_id = _event_id(event)
        if event_id is None:
            continue
        if event_id in exception_ids:
            _skip(result, event_id, "unsupported_recurring_exceptions")
            continue
        original_start = source_original_start_time(event)
        if (event_id, original_start) in seen:
            continue
        seen.add((event_id, original_start))
        if any(item.is_duplicate_of(user_id, event_id, original_start) for item in reminders):
            _skip(result, event_id, "duplicate_existing_reminder")
            continue
        reminders.append(make_reminder(run, event, event_id))
        result["imported_count"] += 1
    return result


def explicit_import_target(payload: dict[str, Any]) -> dict[str, Any] | None:
    """`_resolve_google_calendar_import_target` when the body names the whole target."""
    customer_id = payload.get("customer_id")
    conversation_id = payload.get("target_conversation_id")
    character_id = payload.get("target_character_id")
    target_timezone = payload.get("target_timezone")
    if not all(
        _non_blank(value) for value in (customer_id, conversation_id, character_id, target_timezone)
    ):
        return None
    return {
        "conversation_id": conversation_id,
        "user_id": customer_id,
        "character_id": character_id,
        "timezone": target_timezone,
    }


def _flask_error(status: int, title: str) -> FakeResponse:
    """Flask's HTML error page (a failed `get_json`, or an exception in the route)."""
    page = f"<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n<h1>{title}</h1>\n"
    return FakeResponse(status, page.encode())


def read_flask_json(request: RecordedRequest) -> dict[str, Any] | FakeResponse:
    """`request.get_json(force=True) or {}` as the calendar routes read it: a body that is not
    JSON is Flask's 400, a truthy non-object makes `payload.get` fail (500)."""
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _flask_error(400, "Bad Request")
    payload = payload or {}
    return payload if isinstance(payload, dict) else _flask_error(500, "Internal Server Error")


# --- the fake ------------------------------------------------------------------------------


class FakeRuntime:
    """Coke's bridge at `POST /bridge/inbound` and its Google Calendar import endpoints, and a
    provisioning endpoint at `POST /provision`.

    Records: `messages` (raw bodies of new messages, one per inbound event id), `accepted`
    (their `InboundMessage`s), `redeliveries` (later requests for a stored event id), `denied`
    and `ignored` (answered without enqueueing), `provisioned` (provisioning bodies),
    `late_replies`, `lost_replies` and `sink_errors` (exceptions of `late_reply_sink`);
    `conversations` (in creation order), `calendar_preflights` (preflight bodies that reached
    the service), `calendar_imports` (`CalendarImport`s of the run requests that did) and
    `imported_reminders` (what the runs created, all customers).
    Scripts: `message_failures` / `provision_failures` / `calendar_preflight_failures` /
    `calendar_run_failures` are answered first (after the key check); `replies`; `on_message`
    sees each new message's body before its request waits for the reply; `user_timezones`
    (customer id -> timezone), `calendar_now` (the import's clock), `calendar_import_wired`
    (False: both calendar routes answer 500 `bridge service not wired`, as Coke without the
    service) and `calendar_run_delay_seconds`. `server.hang("POST", CALENDAR_IMPORT_RUN_PATH)`
    makes a route never answer.
    """

    def __init__(
        self,
        server: FakeHTTPServer,
        token: str = "agent-token",
        *,
        hold_seconds: float = 0.0,
        reply_timeout_seconds: float = 25.0,
        late_reply_sink: Callable[[LateReply], None] | None = None,
        character_id: str = DEFAULT_CHARACTER_ID,
        default_timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        self.server = server
        self.token = token
        self.character_id = character_id
        self.default_timezone = default_timezone
        self.hold_seconds = hold_seconds
        self.reply_timeout_seconds = reply_timeout_seconds
        self.late_reply_sink = late_reply_sink
        self.provision_delay_seconds = 0.0
        self.replies: deque[ScriptedReply] = deque()
        self.message_failures: deque[FakeResponse] = deque()
        self.provision_failures: deque[FakeResponse] = deque()
        self.on_message: Callable[[dict], None] | None = None
        self.messages: list[dict] = []
        self.accepted: list[InboundMessage] = []
        self.redeliveries: list[InboundMessage] = []
        self.denied: list[InboundMessage] = []
        self.ignored: list[InboundMessage] = []
        self.provisioned: list[dict] = []
        self.late_replies: list[LateReply] = []
        self.lost_replies: list[LostReply] = []
        self.sink_errors: list[BaseException] = []
        self.user_timezones: dict[str, str] = {}
        self.calendar_now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.calendar_import_wired = True
        self.calendar_run_delay_seconds = 0.0
        self.calendar_preflight_failures: deque[FakeResponse] = deque()
        self.calendar_run_failures: deque[FakeResponse] = deque()
        self.conversations: list[Conversation] = []
        self.calendar_preflights: list[dict[str, Any]] = []
        self.calendar_imports: list[CalendarImport] = []
        self.imported_reminders: list[ImportedReminder] = []
        self._events: dict[str, _Event] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        server.route("POST", INBOUND_PATH, self._handle_inbound)
        server.route("POST", PROVISION_PATH, self._handle_provision)
        server.route("POST", CALENDAR_IMPORT_PREFLIGHT_PATH, self._handle_calendar_preflight)
        server.route("POST", CALENDAR_IMPORT_RUN_PATH, self._handle_calendar_run)

    @property
    def endpoint(self) -> str:
        """The agent endpoint the gateway forwards to."""
        return f"{self.server.url}{INBOUND_PATH}"

    @property
    def provisioning_url(self) -> str:
        """Where a gateway configured to provision customers posts them."""
        return f"{self.server.url}{PROVISION_PATH}"

    @property
    def calendar_preflight_url(self) -> str:
        """Where the gateway asks whether a customer can import a calendar."""
        return f"{self.server.url}{CALENDAR_IMPORT_PREFLIGHT_PATH}"

    @property
    def calendar_run_url(self) -> str:
        """Where the gateway posts a calendar's events to import."""
        return f"{self.server.url}{CALENDAR_IMPORT_RUN_PATH}"

    def texts(self) -> list[str]:
        """The texts of the new messages so far, in order."""
        return [message.text for message in self.accepted]

    def add_conversation(
        self, customer_id: str, conversation_key: str | None = None, conversation_id: str = ""
    ) -> Conversation:
        """A conversation of `customer_id` with the character, as if the customer had written
        (the key defaults to the id, the id to a new ObjectId-like one); it is the latest."""
        conversation_id = conversation_id or uuid.uuid4().hex[:24]
        conversation = Conversation(
            conversation_id, customer_id, conversation_key or conversation_id
        )
        with self._lock:
            self.conversations.append(conversation)
        return conversation

    def reminders_for(self, customer_id: str) -> list[ImportedReminder]:
        """The reminders the calendar imports created for one customer, in order."""
        return [item for item in self.imported_reminders if item.user_id == customer_id]

    def close(self) -> None:
        """Wake held requests and pending late replies so they end (none is delivered)."""
        self._closed.set()

    # --- POST /bridge/inbound

    def _authorized(self, request: RecordedRequest) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self.token}"

    def _handle_inbound(self, request: RecordedRequest) -> FakeResponse:
        if not self._authorized(request):
            return _error(401, "unauthorized")
        if self.message_failures:
            return self.message_failures.popleft()
        length = _content_length(request)
        if length is not None and length > MAX_BRIDGE_INBOUND_REQUEST_BYTES:
            return _error(413, "attachment_payload_too_large")
        payload = read_json_object(request)
        if isinstance(payload, FakeResponse):
            return payload
        message = normalize_inbound(payload)
        answer = immediate_answer(message)
        if answer is not None:
            self._record_unqueued(message, answer)
            return answer
        return self._enqueue_and_wait(request, message)

    def _record_unqueued(self, message: InboundMessage, answer: FakeResponse) -> None:
        if answer.status == 200:
            with self._lock:
                (self.ignored if answer.body.get("ignored") else self.denied).append(message)

    def _enqueue(self, message: InboundMessage) -> tuple[_Event, bool]:
        """Store the input once per inbound event id; the agent takes the next scripted reply."""
        event_id = message.inbound_event_id
        if not isinstance(event_id, str) or not event_id:
            event_id = f"in_evt_{uuid.uuid4().hex}"
        with self._lock:
            if event_id in self._events:
                self.redeliveries.append(message)
                return self._events[event_id], False
            reply = as_reply(self.replies.popleft()) if self.replies else None
            output = _output(reply, message, event_id, self.hold_seconds) if reply else None
            event = self._events[event_id] = _Event(message=message, output=output)
            self.messages.append(message.body)
            self.accepted.append(message)
            self._file_in_conversation(message, event_id)
            return event, True

    def _conversation_keyed(self, key: str) -> Conversation | None:
        return next((item for item in self.conversations if item.conversation_key == key), None)

    def _file_in_conversation(self, message: InboundMessage, event_id: str) -> None:
        """The worker's conversation for a new message (under the lock): the one keyed by its
        business conversation key or gateway conversation id, else a new one keyed by the
        first of those it has, else by its inbound event id."""
        keys = [
            str(key)
            for key in (message.business_conversation_key, message.gateway_conversation_id)
            if key
        ]
        if any(self._conversation_keyed(key) for key in keys):
            return
        stable_key = keys[0] if keys else event_id
        if self._conversation_keyed(stable_key) is None:
            conversation_id = uuid.uuid4().hex[:24]
            customer_id = str(message.coke_account_id)
            self.conversations.append(Conversation(conversation_id, customer_id, stable_key))

    def _enqueue_and_wait(self, request: RecordedRequest, message: InboundMessage) -> FakeResponse:
        event, is_new = self._enqueue(message)
        if is_new and self.on_message is not None:
            self.on_message(message.body)
        started = time.monotonic()
        output = self._wait_for_reply(event, started)
        if output is None:
            self._start_late_reply_fallback(event, started + self.reply_timeout_seconds)
            return FakeResponse(200, {"ok": True})
        if request.client_gone():
            self._lose(event, "answered_to_a_closed_connection")
        return FakeResponse(200, output.answer())

    def _sleep_until(self, moment: float) -> bool:
        """Sleep until `moment` (monotonic); False when the fake closed meanwhile."""
        return not self._closed.wait(max(moment - time.monotonic(), 0))

    def _wait_for_reply(self, event: _Event, started: float) -> Output | None:
        """`reply_waiter.wait_for_reply`: the reply if it lands before the deadline and no
        earlier request consumed it; None on timeout."""
        deadline = started + self.reply_timeout_seconds
        with self._lock:
            event.waiters.append((started, deadline))
        output = event.output
        if output is not None and output.ready_at <= deadline:
            if not self._sleep_until(output.ready_at):
                return None
            with self._lock:
                if event.take_for_request(started):
                    return output
        self._sleep_until(deadline)
        return None

    # --- Coke's LateReplyFallbackPromoter

    def _start_late_reply_fallback(self, event: _Event, timed_out_at: float) -> None:
        if event.output is None:
            return
        until = timed_out_at + late_reply_window(self.reply_timeout_seconds)
        threading.Thread(target=self._promote, args=(event, until), daemon=True).start()

    def _promote(self, event: _Event, until: float) -> None:
        assert event.output is not None
        if event.output.ready_at > until or not self._sleep_until(event.output.ready_at):
            return
        late = self._claim_for_push(event)
        if late is None or self.late_reply_sink is None:
            return
        try:
            self.late_reply_sink(late)
        except Exception as error:
            self.sink_errors.append(error)

    def _claim_for_push(self, event: _Event) -> LateReply | None:
        """Promote the landed reply unless a request takes it; lose it when Coke cannot route
        it (no business conversation key, or no gateway conversation id to bind)."""
        output = event.output
        assert output is not None
        with self._lock:
            if event.promotion_tried or event.taken_at is not None:
                return None
            if event.waiting_at(output.ready_at):
                return None
            event.promotion_tried = True
            reason = _unroutable_reason(event.message, output)
            if reason is not None:
                self.lost_replies.append(LostReply(event.message, output, reason))
                return None
            event.taken_at = output.ready_at
            late = LateReply(message=event.message, output=output)
            self.late_replies.append(late)
            return late

    def _lose(self, event: _Event, reason: str) -> None:
        assert event.output is not None
        with self._lock:
            self.lost_replies.append(LostReply(event.message, event.output, reason))

    # --- the Google Calendar import routes

    def _calendar_gate(
        self, request: RecordedRequest, failures: deque[FakeResponse]
    ) -> FakeResponse | None:
        """The key check, a scripted failure, then Coke's 500 when the service is not wired."""
        if not self._authorized(request):
            return _error(401, "unauthorized")
        if failures:
            return failures.popleft()
        if not self.calendar_import_wired:
            return _error(500, "bridge service not wired")
        return None

    def _business_conversation(self, *keys: Any) -> Conversation | None:
        """`_find_business_conversation`: the first non-blank key that names a conversation."""
        for key in keys:
            found = self._conversation_keyed(key) if _non_blank(key) else None
            if found is not None:
                return found
        return None

    def _latest_conversation_of(self, customer_id: str) -> Conversation | None:
        mine = (item for item in reversed(self.conversations) if item.customer_id == customer_id)
        return next(mine, None)

    def _preflight(
        self,
        customer_id: Any,
        business_conversation_key: Any = None,
        gateway_conversation_id: Any = None,
    ) -> dict[str, str]:
        """`GoogleCalendarImportService.preflight` (under the lock); raises its ValueErrors."""
        if not _non_blank(customer_id):
            raise ValueError("customer_id_required")
        conversation = self._business_conversation(
            business_conversation_key, gateway_conversation_id
        ) or self._latest_conversation_of(customer_id)
        if conversation is None:
            raise ValueError("conversation_required")
        return {
            "conversation_id": conversation.conversation_id,
            "user_id": customer_id,
            "character_id": self.character_id,
            "timezone": self._customer_timezone(customer_id),
        }

    def _customer_timezone(self, customer_id: str) -> str:
        timezone_name = self.user_timezones.get(customer_id)
        return timezone_name if valid_timezone(timezone_name) else self.default_timezone

    def _handle_calendar_preflight(self, request: RecordedRequest) -> FakeResponse:
        answer = self._calendar_gate(request, self.calendar_preflight_failures)
        if answer is not None:
            return answer
        payload = read_flask_json(request)
        if isinstance(payload, FakeResponse):
            return payload
        with self._lock:
            self.calendar_preflights.append(payload)
            try:
                data = self._preflight(
                    payload.get("customer_id"),
                    payload.get("business_conversation_key"),
                    payload.get("gateway_conversation_id"),
                )
            except ValueError as error:
                return _error(400, str(error))
        return FakeResponse(200, {"ok": True, "data": data})

    def _import(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, FakeResponse]:
        """The run route's service calls (under the lock): the target, then the import."""
        target = None
        try:
            target = explicit_import_target(payload) or self._preflight(payload.get("customer_id"))
            run = ImportRun(
                target=target,
                run_id=payload.get("run_id"),
                provider_account_email=payload.get("provider_account_email"),
                calendar_defaults=payload.get("calendar_defaults") or {},
                now=self.calendar_now,
                fallback_timezone=self.default_timezone,
            )
            data = import_events(run, payload.get("events") or [], self.imported_reminders)
        except ValueError as error:
            return target, _error(400, str(error))
        except (AttributeError, KeyError, TypeError):
            return target, _flask_error(500, "Internal Server Error")
        return target, FakeResponse(200, {"ok": True, "data": data})

    def _handle_calendar_run(self, request: RecordedRequest) -> FakeResponse:
        answer = self._calendar_gate(request, self.calendar_run_failures)
        if answer is not None:
            return answer
        payload = read_flask_json(request)
        if isinstance(payload, FakeResponse):
            return payload
        with self._lock:
            target, answer = self._import(payload)
            self.calendar_imports.append(
                CalendarImport(payload, target, answer.status, answer.body)
            )
        self._closed.wait(self.calendar_run_delay_seconds)
        return answer

    # --- POST /provision

    def _handle_provision(self, request: RecordedRequest) -> FakeResponse:
        if not self._authorized(request):
            return _error(401, "unauthorized")
        if self.provision_failures:
            return self.provision_failures.popleft()
        payload = read_json_object(request)
        if isinstance(payload, FakeResponse):
            return payload
        with self._lock:
            self.provisioned.append(payload)
        self._closed.wait(self.provision_delay_seconds)
        return FakeResponse(200, {"ok": True})


QUICK_REPLY_TIMEOUT_SECONDS = 0.1
"""The wait `fake_runtime` gives a message with no scripted reply unless told otherwise, so
tests that script none do not each wait Coke's 25 s; a test of holding sets its own."""


@contextmanager
def fake_runtime(
    token: str = "agent-token",
    *,
    hold_seconds: float = 0.0,
    reply_timeout_seconds: float = QUICK_REPLY_TIMEOUT_SECONDS,
    late_reply_sink: Callable[[LateReply], None] | None = None,
    character_id: str = DEFAULT_CHARACTER_ID,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> Iterator[FakeRuntime]:
    """A running fake runtime, closed with its server when the block ends."""
    with fake_http_server() as server:
        runtime = FakeRuntime(
            server,
            token,
            hold_seconds=hold_seconds,
            reply_timeout_seconds=reply_timeout_seconds,
            late_reply_sink=late_reply_sink,
            character_id=character_id,
            default_timezone=default_timezone,
        )
        try:
            yield runtime
        finally:
            runtime.close()
