"""The JSON error envelope `{"ok": false, "error": code}` and the handlers that produce it."""

import logging

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from clawscale.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    InvalidToken,
    NotFound,
    Unauthenticated,
    Unavailable,
)
from clawscale.domain.rate_limits import RateLimited

logger = logging.getLogger(__name__)

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}

DOMAIN_STATUSES: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Invalid: 422,
    InvalidToken: 400,
    Unauthenticated: 401,
    Unavailable: 503,
}


DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


class ApiError(Exception):
    """An error answered to the client as `{"ok": false, "error": code}` with `status`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    http_status: int, code: str, message: str | None = None, **extra: object
) -> JSONResponse:
    """The error envelope as a response."""
    body: dict[str, object] = {"ok": False, "error": code}
    if message:
        body["message"] = message
    body.update(extra)
    return JSONResponse(body, status_code=http_status)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    response = error_response(exc.status, exc.code, exc.message)
    response.headers.update(exc.headers)
    return response


async def _rate_limited(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    response = error_response(429, exc.code, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for kind, code in DOMAIN_STATUSES.items() if isinstance(exc, kind)), 400)
    return error_response(status, exc.code, exc.message)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(exc.status_code, STATUS_CODES.get(exc.status_code, "error"))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        {"path": [str(part) for part in error.get("loc", ())], "message": error.get("msg", "")}
        for error in exc.errors()
    ]
    in_body = any(issue["path"][:1] != ["query"] for issue in issues)
    code = "invalid_body" if in_body else "invalid_query"
    return error_response(400, code, "The request failed validation.", issues=issues)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    response = error_response(503, "database_unavailable", "Try again shortly.")
    response.headers["Retry-After"] = "2"
    return response


async def _unstorable_input(_request: Request, _exc: Exception) -> JSONResponse:
    return error_response(400, "invalid_body", "The request holds data that cannot be stored.")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of `app` in the JSON envelope, never with a stack trace."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(sqlalchemy.exc.DataError, _unstorable_input)
    app.add_exception_handler(Exception, _unexpected_error)
