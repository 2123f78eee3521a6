"""Inbound messages, from a provider to the moment they are due for the runtime.

- `webhooks`: a provider's webhook verified, parsed and stored (`WebhookStore`).
- `channel_cache`: the channel and credentials a webhook checks, decrypted once per change.
- `intake`: the one path every message takes, deduplicated (`route_inbound_message`).
- `placement`: the customer, end user, conversation, route and binding of a message and its
  first status (`place_message`, `confirm_parking`).
- `holds`: messages of customers without access, held and released (`hold_event`,
  `release_held_events`).
Forwarding them is `clawscale.domain.runtime`'s.
"""
