"""The floors' table and statements. Each path has a table of its own of the same shape: a row
a message, unique by the message's own key (the reply's idempotency key, the webhook's message
id), with the address and text to send, pending until the worker claims it (`sending`), then
`sent` or `failed`. The NOTIFY channel is the table's name."""

import psycopg
from psycopg import sql

SCHEMA = """
CREATE TABLE {table} (
    id bigserial PRIMARY KEY,
    key text NOT NULL UNIQUE,
    address text NOT NULL,
    text text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON {table} (id) WHERE status = 'pending'
"""

ACCEPT = """
WITH added AS (
    INSERT INTO {table} (key, address, text) VALUES (%s, %s, %s)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
)
SELECT pg_notify({channel}, '') FROM added
"""

CLAIM = """
UPDATE {table} SET status = 'sending'
WHERE id IN (
    SELECT id FROM {table} WHERE status = 'pending' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING id, address, text
"""

RECORD = """
UPDATE {table} SET status = outcome.status
FROM unnest(%s::bigint[], %s::text[]) AS outcome (id, status)
WHERE {table}.id = outcome.id
"""

LISTEN = "LISTEN {table}"


def statement(template: str, table: str) -> sql.Composed:
    """`template` for `table`: the statement (and NOTIFY channel) of that path's floor."""
    return sql.SQL(template).format(table=sql.Identifier(table), channel=sql.Literal(table))


def create_table(dsn: str, table: str) -> None:
    """The table of one floor, in the benchmark's database."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        for part in SCHEMA.split(";"):
            connection.execute(statement(part, table))
