"""What the admin console reads: queries only, no rules of their own.

- `dashboard`: the overview's figures, a customer's profile and links.
- `directory`: the customers and channels lists (`list_customers`, `list_channels`).
- `audit_log`: the audit log, a page at a time.
"""
