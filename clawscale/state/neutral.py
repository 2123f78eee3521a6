"""The answers of forms that must not reveal whether an email address has an account, the
problems such a form (an email address, then a mailed link) can show, and what they say instead
when the gateway sends no mail (outside development nothing claims a link was sent when none
was)."""

from clawscale.domain.mail.transport import mail_reaches_people
from clawscale.i18n.catalogs import N_
from clawscale.settings import get_settings
from clawscale.state.form import FormState
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
MAIL_NOT_SENT = N_(
    "This gateway is not sending email at the moment, so no link was sent. Please ask the "
    "gateway's operator for help."
)
EMAIL_FORM_PROBLEMS: tuple[str, ...] = (ENTER_EMAIL, EMAIL_LIKE, TOO_MANY_ATTEMPTS)
"""What a form asking for an email address to mail a link to can find wrong."""


class LinkRequestState(FormState, mixin=True):
    """A form that mails a link: its answer says a link was sent only when mail is sent."""

    def _link_requested(self, sent: str) -> None:
        """The request went through: `sent` (a neutral "we've sent a link") when this gateway
        sends mail (or keeps it for the development mailbox), else MAIL_NOT_SENT as a
        problem."""
        if mail_reaches_people(get_settings()):
            self._done(sent)
        else:
            self._fail(MAIL_NOT_SENT)
