"""Billing: access time and paying for it.

- `access`: the trial and paid passes, and the access decision (`access_decision`,
  `decided_access`, `grant_pass`).
- `checkout`: Stripe Checkout sessions and the Stripe webhook.
- `links`: signed links that let a chat user pay without signing in (`renewal_link`).
- `mail`: receipts and the notice before access ends.
"""
