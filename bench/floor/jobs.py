"""What sets the two floors apart: how a request's body becomes a row (key, address, text) and
how a claimed row becomes the request the worker sends. Nothing is checked or looked up beyond
what the body says: no keys, routes, customers or ordering."""

from collections.abc import Callable
from dataclasses import dataclass

INSTANCE = "main"
"""The Evolution instance the benchmark's channel sends through (bench/outbound.py's)."""

Row = tuple[str, str, str]
"""A message as the floors store it: its key, the address it goes to or came from, its text."""


@dataclass(frozen=True)
class Job:
    """One floor: its table, `accept(body)` (the row to store, or None for a body that carries
    no message) and `request(id, address, text)` (the path on the fake peer and the JSON)."""

    table: str
    accept: Callable[[dict], Row | None]
    request: Callable[[int, str, str], tuple[str, dict]]


def reply(body: dict) -> Row:
    """A reply posted to `/api/outbound`, keyed by its idempotency key and sent to its
    conversation."""
    return body["idempotency_key"], body["business_conversation_key"], body["text"]


def send_text(_id: int, address: str, text: str) -> tuple[str, dict]:
    """Evolution's `sendText`."""
    return f"/message/sendText/{INSTANCE}", {"number": address, "text": text}


def upsert(body: dict) -> Row | None:
    """An Evolution `messages.upsert` webhook, keyed by its message id, from its sender's
    number; None for other events and for the instance's own messages."""
    data = body.get("data") or {}
    key = data.get("key") or {}
    if body.get("event") != "messages.upsert" or key.get("fromMe"):
        return None
    number = key["remoteJid"].split("@", 1)[0]
    return key["id"], number, data["message"]["conversation"]


def forward(event_id: int, address: str, text: str) -> tuple[str, dict]:
    """The runtime's `/agent`, one message with the sender and the event's id."""
    message = {"role": "user", "content": text}
    return "/agent", {"messages": [message], "metadata": {"sender": address, "eventId": event_id}}


JOBS = {
    "outbound": Job("floor_outbound", reply, send_text),
    "inbound": Job("floor_inbound", upsert, forward),
}
