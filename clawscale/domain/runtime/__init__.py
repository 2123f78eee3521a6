"""Everything the gateway sends to an agent runtime and reads back, in one place.

- `agents`: agent records: endpoint, write-only token, provisioning mode, reply wait, and which
  agent serves a customer (`agent_for_channel`, `ensure_binding`).
- `provisioning`: announcing new customers where the agent asks for it; retries and refusals.
- `messages`: the body of a forward (`forward_body`): the message, its attachments and metadata.
- `forwarding`: taking due events with their runtime requests (`claim_forward_calls`).
- `client`: the HTTP call and what its answer means (`call_runtime`).
- `outcomes`: recording what the runtime made of each forward, its immediate reply included.
- `bridge`: the runtime's own calls to us (`/api/internal/coke-*`).
See `docs/runtime-contract.md` for the wire.
"""
