"""Domain errors and the one JSON error shape used by REST responses and socket acks."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of every error a service raises; carries an HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        """The contract's error object: {code, message, details}."""
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class ValidationError(DomainError):
    """Bad input (422). `details.fields` maps each bad field to `{code, message, ...params}`:
    a stable machine code (`too_short`, `required`, `invalid_email`...), one human sentence, and the
    numbers a client needs to say it in its own language (`min_length`, `max`...)."""

    status, code = 422, "validation_error"

    def __init__(self, message: str | None, details: dict[str, Any] | None = None, code: str | None = None):
        details = dict(details or {})
        fields = details.get("fields")
        if isinstance(fields, dict):
            details["fields"] = fields = {str(k): field_problem_of(v, message) for k, v in fields.items()}
        super().__init__(message or fields_summary(fields or {}), details, code)

    @classmethod
    def field(
        cls,
        field: str,
        code: str,
        message: str,
        *,
        summary: str | None = None,
        error_code: str | None = None,
        **params: Any,
    ) -> ValidationError:
        """The error for one bad field: details.fields[field] = {code, message, **params}; the top-level
        message is `summary`, else "<field>: <message>"; the error's code `error_code` or
        validation_error."""
        return cls(summary, {"fields": {field: field_problem(code, message, **params)}}, code=error_code)


def field_problem(code: str, message: str, **params: Any) -> dict[str, Any]:
    """One field's problem as `details.fields[field]` carries it."""
    return {"code": code, "message": message, **params}


def field_problem_of(value: Any, sentence: str | None = None) -> dict[str, Any]:
    """A field's problem in the {code, message} shape: as given when already in it; from a bare word
    ("bad", "empty": older call sites) it is code `invalid` with the error's own sentence, if it has one."""
    if isinstance(value, dict) and "code" in value and "message" in value:
        return value
    if value == "required":
        return field_problem("required", "Required.")
    return field_problem("invalid", sentence or str(value))


def fields_summary(fields: dict[str, Any]) -> str:
    """The top-level message of a validation error: every field's problem once, in one line, for clients
    that show one line ("password: must be at least 8 characters."); a problem with the body as a whole is
    its own sentence. A client that shows each field's `message` beside its field shows this one instead
    of, not as well as, those."""
    if not fields:
        return "The request is not valid."
    parts = []
    for name, problem in fields.items():
        text = str(problem.get("message", "") if isinstance(problem, dict) else problem).strip().rstrip(".")
        if name == "body":
            parts.append(text)
        else:
            first = text.split(" ", 1)[0]
            parts.append(f"{name}: {text[:1].lower() + text[1:] if first[1:].islower() else text}")
    return "; ".join(parts) + "."


class RateLimited(DomainError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after: int, details: dict[str, Any] | None = None):
        super().__init__(message, {"retry_after": retry_after, **(details or {})})
        self.retry_after = retry_after


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Wrap an error in the contract's envelope."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None):
    """A Flask JSON response in the contract's error shape."""
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    return response


def out_of_range() -> ValidationError:
    """The error for a number the database cannot hold (an id or a price of 2**70, say)."""
    return ValidationError("A number in the request is out of range.", {"reason": "number_out_of_range"})


def register_error_handlers(app: Flask) -> None:
    """Make every 4xx/5xx, Flask's own included, answer in the contract's shape."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        response = error_response(err.status, err.code, err.message, err.details)
        if isinstance(err, RateLimited):
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        response = error_response(status, code, err.description or err.name)
        allowed = getattr(err, "valid_methods", None)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(err: Exception):
        # A number past what the database holds (SQLite: OverflowError, PostgreSQL: DataError).
        from app.extensions import db

        db.session.rollback()
        return _domain(out_of_range())

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error: %s", err)
        return error_response(500, "internal_error", "Something went wrong on our side.")
