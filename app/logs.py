"""Logs people can search: one line per HTTP request and per socket connect/disconnect, a request id
on each, JSON lines with LOG_FORMAT=json, and no secret in any line.

- The request id comes from the `X-Request-ID` header (nginx or another proxy may set it; up to 128
  characters of letters, digits and `._:-`) or is made here. It is sent back as the `X-Request-ID`
  header of every response, added to every log line written while the request runs, and, on a 500,
  to the error body as `details.request_id` (so a user can quote it).
- Access lines (logger `masterchat.access`): method, path (never the query string, which may hold a
  token), status, duration in ms, user id, request id.
- Redaction: any line that still carries a bearer token, a `token=`/`password=` value or a JWT is
  masked before it is written (a last line of defence; code must not log them in the first place).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any

from flask import Flask, current_app, g, has_request_context, request

access_log = logging.getLogger("masterchat.access")
socket_log = logging.getLogger("masterchat.sockets.access")

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECRETS = [
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 ***"),
    (
        re.compile(r"(?i)\b((?:access_|refresh_|reset_)?token|password|secret)(\"?\s*[=:]\s*\"?)[^\s&\"',;]+"),
        r"\1\2***",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"), "***jwt***"),
]
# Attributes every LogRecord has; anything else was passed with `extra=` and goes into JSON lines.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


# Every pattern above needs one of these words, so a line without any is written as it is: a few
# substring tests instead of three regex substitutions on each access line (2 % of a like storm's
# worker, docs/PERFORMANCE.md, "Like storm").
_TRIGGERS = ("bearer", "token", "password", "secret")


def redact(text: str) -> str:
    """Mask tokens, passwords and JWTs in a log line."""
    lowered = text.lower()
    if "eyJ" not in text and not any(word in lowered for word in _TRIGGERS):
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every record made while a request runs carries its id (`request_id`, '-' outside requests)."""
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id() or "-"
    return record


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message`, secrets masked."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, the `extra` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact."""
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, default=str, ensure_ascii=False))


class _StderrHandler(logging.StreamHandler):
    """A handler on whatever sys.stderr is at the time of each line (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:  # type: ignore[override]
        """The current sys.stderr."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str, fmt: str) -> None:
    """Install the one stderr handler on the root logger (replacing ours from a previous call)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_masterchat", False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler._masterchat = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    if logging.getLogRecordFactory() is not _record_factory:
        logging.setLogRecordFactory(_record_factory)
    root.setLevel(level)


def client_address() -> str:
    """The client's address: the peer, or X-Forwarded-For's entry of the nearest of PROXY_HOPS proxies."""
    hops = current_app.config.get("PROXY_HOPS", 0)
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or ""


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (False for anything that is not an address)."""
    try:
        return ip_address(address).is_loopback
    except ValueError:
        return False


def _begin() -> None:
    header = request.headers.get("X-Request-ID", "")
    g.request_id = header if _VALID_ID.match(header) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user_id(user: Any) -> Any:
    """The user's id without reading the row again: after a write's commit the object is expired and
    `user.id` would cost a SELECT per request (a like storm's profile showed it); the identity key has it."""
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return state.identity[0]
    return getattr(user, "id", None)


def _finish(response: Any) -> Any:
    from app import metrics

    rid = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = rid
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    metrics.http_request(response.status_code, seconds)
    if response.status_code >= 500 and response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body["error"].setdefault("details", {})["request_id"] = rid
            response.set_data(json.dumps(body))
    user_id = _user_id(g.get("user"))
    access_log.info(
        "%s %s %s %.1f ms user=%s",
        request.method,
        request.path,
        response.status_code,
        seconds * 1000,
        user_id if user_id is not None else "-",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(seconds * 1000, 1),
            "user_id": user_id,
            "remote": client_address(),
        },
    )
    return response


def socket_event(what: str, user_id: int, sid: str, session_id: int | None = None) -> None:
    """One line per socket connect/disconnect (app/sockets/connection.py).

    Its request id is the handshake's X-Request-ID, else the socket id, so a socket's connect and
    disconnect lines (and what is logged while they run) share one id.
    """
    if has_request_context():
        header = request.headers.get("X-Request-ID", "")
        g.request_id = header if _VALID_ID.match(header) else sid
    socket_log.info(
        "socket %s user=%s sid=%s",
        what,
        user_id,
        sid,
        extra={"event": what, "user_id": user_id, "sid": sid, "session_id": session_id},
    )


def init_app(app: Flask) -> None:
    """Logging for the process, and the request id and access line of every HTTP request."""
    setup_logging(app.config["LOG_LEVEL"], app.config.get("LOG_FORMAT", "text"))
    app.before_request(_begin)
    app.after_request(_finish)
