"""leaner inbound event and delivery attempt indexes; unfinished deliveries by conversation

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:40:00

Every stored message wrote seven indexes of `inbound_event`, and the webhook's INSERT was its
costliest statement (0.49 ms of PostgreSQL a message under load). Two indexes go:
`ix_inbound_event_channel_id` repeats the leading column of the unique (channel_id,
provider_message_id), which answers every lookup by channel (and, with one busy shared channel,
all its entries were one key, where concurrent inserts queue on the same leaf: dropping it
alone took the INSERT to 0.26 ms); `ix_delivery_attempt_delivery_id` likewise repeats (delivery_id,
attempt_number). `ix_inbound_event_due` (status, next_attempt_at) is read only for parked events
(the console's count, the sweep releasing them) since the claim walks the waiting-rows index
(0007), yet every status change moved each event in it: a partial index of the parked events
replaces it.

The dispatchers' claim asks, for each due delivery, whether an earlier one of its conversation
is unfinished; the only index for it was (customer_id, created_at, id), so the check walked the
customer's whole history (a claim of 32 took 10 ms once conversations held ~70 deliveries each,
and would grow without end). A partial index of the unfinished deliveries by conversation
answers it from the few rows still in flight.

On PostgreSQL each index is built and dropped CONCURRENTLY, so webhooks and replies keep being
stored meanwhile.
"""

from collections.abc import Sequence

from clawscale import online_indexes

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARKED_ROWS = "status = 'parked'"
UNFINISHED_ROWS = "status IN ('pending', 'sending', 'failed')"
CONVERSATION_INDEX = "ix_outbound_delivery_unfinished_conversation"
REDUNDANT = {
    "ix_inbound_event_channel_id": ("inbound_event", ["channel_id"]),
    "ix_delivery_attempt_delivery_id": ("delivery_attempt", ["delivery_id"]),
}


def upgrade() -> None:
    online_indexes.create_index(
        "ix_inbound_event_parked", "inbound_event", ["created_at", "id"], PARKED_ROWS
    )
    online_indexes.drop_index("ix_inbound_event_due", "inbound_event")
    online_indexes.create_index(
        CONVERSATION_INDEX,
        "outbound_delivery",
        ["customer_id", "business_conversation_key", "created_at", "id"],
        UNFINISHED_ROWS,
    )
    for name, (table, _) in REDUNDANT.items():
        online_indexes.drop_index(name, table)


def downgrade() -> None:
    online_indexes.drop_index(CONVERSATION_INDEX, "outbound_delivery")
    for name, (table, columns) in REDUNDANT.items():
        online_indexes.create_index(name, table, columns)
    online_indexes.create_index(
        "ix_inbound_event_due", "inbound_event", ["status", "next_attempt_at"]
    )
    online_indexes.drop_index("ix_inbound_event_parked", "inbound_event")
