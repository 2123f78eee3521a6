"""The admin console's base States: the session guard (every handler resolves the admin cookie
again in the same transaction, so nothing the browser sends is trusted) and table paging, with
the badges and filters several console pages share."""
