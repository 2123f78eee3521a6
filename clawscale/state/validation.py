"""Form checks with messages a person understands; each returns the problem, or "" when fine.

They mirror the API's request rules (`clawscale/api/auth.py`), so a page and the API accept the
same input.
"""

from clawscale.domain.accounts.email_addresses import validated_email
from clawscale.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from clawscale.domain.errors import Invalid

MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 200


def name_problem(name: str) -> str:
    """A display name must be given and fit the column."""
    if not name.strip():
        return "Enter your name"
    if len(name.strip()) > MAX_NAME_LENGTH:
        return f"Use at most {MAX_NAME_LENGTH} characters"
    return ""


def email_problem(email: str) -> str:
    """An email must look like an address the gateway can mail."""
    if not email.strip():
        return "Enter your email address"
    try:
        validated_email(email)
    except Invalid:
        return "Enter an email address like name@example.com"
    return ""


def new_password_problem(password: str) -> str:
    """A new password must have 8 to 256 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters"
    return ""


def confirmation_problem(password: str, confirmation: str) -> str:
    """The repeated password must match the first."""
    return "" if password == confirmation else "The passwords don't match"


def entered_problem(value: str, message: str) -> str:
    """`message` when nothing was entered."""
    return "" if value else message
