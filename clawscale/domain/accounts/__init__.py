"""Accounts: who may sign in, and who a person is to a provider.

- `customers`: customer sign-up, email verification, password reset, claiming a chat-created
  account (`register`, `authenticate`, `verify_email`, `request_claim`, `claim`, ...).
- `admins`: admin accounts, sign-in and removal rules (`add_admin`, `sign_in_admin`, ...).
- `sessions`, `session_handoff`: server-side sessions carried in signed JWTs, and the hand-off of
  a page's session to the browser's cookie.
- `identities`: external identities (provider, type, value), normalised, mapped to a customer.
- `one_time_tokens`, `passwords`, `email_addresses`: the pieces those rules are built from.
- `mailer`: writing transactional email in the recipient's language (sent by `domain/mail`).
"""
