"""`/admin/shared-channels` and each shared channel's own page."""
