"""Transactional email on its way out: a queue like the outbox.

- `transport`: whether this gateway sends mail at all (`mail_is_sent`), and one send through
  Resend's HTTP API (`send_mail`).
- `queue`: writing an email (`queue_mail`: committed with the work that wrote it, before any
  send), the development mailbox (`kept_emails`), and an admin's resend (`resend_mail`).
- `sending`: the mail worker's side: claiming due emails under a lease (`claim_due_mail`) and
  recording how each attempt ended (`record_mail_outcomes`): sent, retried with backoff, or dead.
- `queries`: the console's list of outgoing mail, by state, a page at a time (`list_mail`).
"""
