"""The outbox: the runtime's replies, from `POST /api/outbound` to the provider.

- `routes`: delivery routes, where a customer's business conversation is answered.
- `accept`: accepting a reply with the contract's idempotency rules (`accept_delivery`).
- `dispatch`: claiming due deliveries under a lease and recording each attempt.
- `send`: one send attempt through the channel's adapter (no database).
- `queries`: deliveries for operators, filtered and paged, with their attempts.
"""
