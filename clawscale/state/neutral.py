"""The answers of forms that must not reveal whether an email address has an account, and the
problems such a form (an email address, then a mailed link) can show."""

from clawscale.i18n.catalogs import N_
from clawscale.state.throttle import TOO_MANY_ATTEMPTS
from clawscale.state.validation import EMAIL_LIKE, ENTER_EMAIL

RESET_LINK_SENT = N_(
    "If an account uses that address, we've sent it a link to choose a new password. "
    "The link works once, for 15 minutes."
)
VERIFICATION_LINK_SENT = N_(
    "If that address belongs to an account waiting for verification, we've sent it a new "
    "link. The link works once, for 15 minutes."
)
EMAIL_FORM_PROBLEMS: tuple[str, ...] = (ENTER_EMAIL, EMAIL_LIKE, TOO_MANY_ATTEMPTS)
"""What a form asking for an email address to mail a link to can find wrong."""
