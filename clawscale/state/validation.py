"""Form checks with messages a person understands; each returns the problem, or "" when fine.

They mirror the API's request rules (`clawscale/api/auth.py`), so a page and the API accept the
same input.
"""

from clawscale.domain.accounts.email_addresses import validated_email
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.domain.errors import Invalid
from clawscale.i18n.catalogs import N_

MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 200
ENTER_NAME = N_("Enter your name")
ENTER_EMAIL = N_("Enter your email address")
ENTER_PASSWORD = N_("Enter your password")
EMAIL_LIKE = N_("Enter an email address like name@example.com")
NAME_TOO_LONG = N_("Use at most 200 characters")
PASSWORD_TOO_SHORT = N_("Use at least 8 characters")
PASSWORD_TOO_LONG = N_("Use at most 256 characters")
PASSWORDS_DIFFER = N_("The passwords don't match")
VALIDATION_MESSAGES: tuple[str, ...] = (
    ENTER_NAME,
    ENTER_EMAIL,
    ENTER_PASSWORD,
    EMAIL_LIKE,
    NAME_TOO_LONG,
    PASSWORD_TOO_SHORT,
    PASSWORD_TOO_LONG,
    PASSWORDS_DIFFER,
)


def name_problem(name: str) -> str:
    """A display name must be given and fit the column."""
    if not name.strip():
        return ENTER_NAME
    if len(name.strip()) > MAX_NAME_LENGTH:
        return NAME_TOO_LONG
    return ""


def email_problem(email: str) -> str:
    """An email must look like an address the gateway can mail."""
    if not email.strip():
        return ENTER_EMAIL
    try:
        validated_email(email)
    except Invalid:
        return EMAIL_LIKE
    return ""


def new_password_problem(password: str) -> str:
    """A new password must have 8 to 256 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return PASSWORD_TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return PASSWORD_TOO_LONG
    return ""


def confirmation_problem(password: str, confirmation: str) -> str:
    """The repeated password must match the first."""
    return "" if password == confirmation else PASSWORDS_DIFFER


def entered_problem(value: str, message: str) -> str:
    """`message` when nothing was entered."""
    return "" if value else message
