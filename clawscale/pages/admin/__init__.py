"""The admin console's pages, one module per route with its State: `/admin` (index), sign-in,
customers, channels, shared channels, agents, deliveries, admins and the audit log."""
