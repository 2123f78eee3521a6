"""Rows that workers take under a lease, and the signals that wake the workers.

- `leases`: taking, holding and releasing work rows; backoff (`lease_statement`, `take_many`,
  `held`, `release`, `backoff_seconds`, `retry_later`).
- `signals`: a queue's rows became due: in-process wake-ups and PostgreSQL NOTIFY
  (`OUTBOX`, `INBOUND`, `MAIL`).
"""
