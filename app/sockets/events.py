"""Every Socket.IO event in one place: names, payload schemas, and the handler wrapper.

`socket_event(name, schema)` registers a handler that validates its payload with the
same pydantic schemas as REST, answers the contract's ack (`{"ok": true, ...}` or
`{"ok": false, "error": {...}}`), and turns any exception into an error ack and a log
line: a bad payload never drops the connection.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from pydantic import BaseModel
from sqlalchemy.exc import DataError

from app.errors import DomainError, Unauthorized, out_of_range
from app.extensions import db, socketio
from app.schemas.common import OkAck, validate

log = logging.getLogger("masterchat.sockets")


@dataclass(frozen=True)
class Connection:
    """Who is behind a socket: set at connect, read by every handler."""

    sid: str
    user_id: int
    session_id: int


_CONNECTIONS: dict[str, Connection] = {}

# client -> server events and their payload schemas (filled by the handler modules)
CLIENT_EVENTS: dict[str, type[BaseModel] | None] = {}
# ... and the schema of each one's successful ack (a failed ack is always ErrorAck)
CLIENT_ACKS: dict[str, type[BaseModel]] = {}


def register_connection(conn: Connection) -> None:
    """Remember who a socket belongs to (called by the connect handler)."""
    _CONNECTIONS[conn.sid] = conn


def forget_connection(sid: str) -> Connection | None:
    """Drop a socket's record (called by the disconnect handler)."""
    return _CONNECTIONS.pop(sid, None)


def current_connection() -> Connection:
    """The connection behind the event being handled, or Unauthorized."""
    conn = _CONNECTIONS.get(request.sid)  # type: ignore[attr-defined]
    if conn is None:
        raise Unauthorized("Not connected.")
    return conn


def error_ack(err: DomainError) -> dict[str, Any]:
    """The contract's failed ack."""
    return {"ok": False, "error": err.to_dict()}


def socket_event(
    name: str, schema: type[BaseModel] | None = None, ack: type[BaseModel] = OkAck
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(conn, payload) -> dict | None` as the handler of client event `name`.

    `schema` validates the payload, `ack` is the shape of the successful acknowledgement
    (`{"ok": true, **fn's result}`); both are published in /api/asyncapi.json.
    """

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        CLIENT_EVENTS[name] = schema
        CLIENT_ACKS[name] = ack

        @functools.wraps(fn)
        def handler(data: Any = None, *_extra: Any) -> dict[str, Any]:
            try:
                conn = current_connection()
                payload = validate(schema, data) if schema is not None else data
                result = fn(conn, payload)
                return {"ok": True, **(result or {})}
            except DomainError as err:
                return error_ack(err)
            except (OverflowError, DataError):
                db.session.rollback()
                return error_ack(out_of_range())
            except Exception:
                log.exception("socket event %s failed", name)
                return {
                    "ok": False,
                    "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": {}},
                }

        socketio.on_event(name, handler)
        return handler

    return decorator
