"""The answers of forms that must not reveal whether an email address has an account."""

RESET_LINK_SENT = (
    "If an account uses that address, we've sent it a link to choose a new password. "
    "The link works once, for 15 minutes."
)
VERIFICATION_LINK_SENT = (
    "If that address belongs to an account waiting for verification, we've sent it a new "
    "link. The link works once, for 15 minutes."
)
