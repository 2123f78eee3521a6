"""Errors the domain raises, each carrying the contract's snake_case code."""


class DomainError(Exception):
    """A rule of the domain was not met; `code` is the wire error code."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not the caller's)."""


class Conflict(DomainError):
    """The request clashes with the current state."""


class Forbidden(DomainError):
    """The caller may not do this."""


class Invalid(DomainError):
    """The input is well-formed but breaks a rule."""


class Unauthenticated(DomainError):
    """The credentials do not identify anyone."""


class InvalidToken(DomainError):
    """An emailed or signed token is unknown, expired, of the wrong kind or already used."""


class Unavailable(DomainError):
    """The request is valid but cannot be served yet; the caller may retry later."""
