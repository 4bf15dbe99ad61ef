"""Every Socket.IO event in one place: names, payload schemas, and the handler wrapper.

`socket_event(name, schema)` registers a handler that validates its payload with the
same pydantic schemas as REST, answers the contract's ack (`{"ok": true, ...}` or
`{"ok": false, "error": {...}}`), and turns any exception into an error ack and a log
line: a bad payload never drops the connection.

Every event is also rate-limited, declaratively (docs/SECURITY.md, "Socket events"): each one costs
`cost` tokens (a number, or a function of the validated payload: a 200-message sync costs more than a
typing flag), taken from three token buckets: the connection's budget, the user's budget (all their
sockets in this worker) and the user's bucket for this event name (`limit`, DEFAULT_LIMIT unless the
event declares its own). An empty bucket answers `rate_limited` in the ack; nothing else runs. A new
event gets all three by default.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from pydantic import BaseModel
from sqlalchemy.exc import DataError

from app.errors import DomainError, RateLimited, Unauthorized, ValidationError, out_of_range
from app.extensions import db, socketio
from app.schemas.common import OkAck, validate
from app.sockets.frames import TooDeep

log = logging.getLogger("masterchat.sockets")


@dataclass(frozen=True)
class Limit:
    """A token bucket: refills `rate` tokens a second and holds at most `burst` (both in cost units)."""

    rate: float
    burst: float


# Why these numbers: docs/SECURITY.md, "Socket events". A connection may spend CONNECTION_BUDGET on all its
# events together, a user USER_BUDGET over all their sockets in this worker; each event name has its own
# per-user `limit`.
DEFAULT_LIMIT = Limit(rate=5, burst=20)
CONNECTION_BUDGET = Limit(rate=50, burst=300)
USER_BUDGET = Limit(rate=100, burst=600)
# Frames: at most SOCKET_MAX_FRAME bytes (Engine.IO) and this deep (checked after decoding).
MAX_FRAME_DEPTH = 16


class Bucket:
    """One token bucket (per process; a socket lives in one worker)."""

    __slots__ = ("stamp", "tokens")

    def __init__(self, limit: Limit) -> None:
        self.tokens = float(limit.burst)
        self.stamp = time.monotonic()

    def take(self, limit: Limit, cost: float) -> int:
        """Take `cost` tokens; 0 when allowed, else the seconds to wait (nothing taken)."""
        now = time.monotonic()
        self.tokens = min(float(limit.burst), self.tokens + (now - self.stamp) * limit.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0
        return max(1, math.ceil((cost - self.tokens) / limit.rate))


@dataclass
class Connection:
    """Who is behind a socket: set at connect, read by every handler.

    `expires_at` is its access token's expiry (epoch seconds): the socket's authority ends then unless
    the client sends `auth:refresh` (app/sockets/auth.py). `buckets` holds its rate-limit state.
    """

    sid: str
    user_id: int
    session_id: int
    expires_at: float = math.inf
    warn_at: float = math.inf
    warned: bool = False
    buckets: dict[str, Bucket] = field(default_factory=dict, repr=False, compare=False)


_CONNECTIONS: dict[str, Connection] = {}

# client -> server events and their payload schemas (filled by the handler modules)
CLIENT_EVENTS: dict[str, type[BaseModel] | None] = {}
# ... and the schema of each one's successful ack (a failed ack is always ErrorAck)
CLIENT_ACKS: dict[str, type[BaseModel]] = {}
# client -> server events and their (cost, per-user limit)
EVENT_LIMITS: dict[str, tuple[float | Callable[[Any], float], Limit | None]] = {}
# events a socket may still send after its token expired (the refresh itself)
UNEXPIRING_EVENTS = {"auth:refresh"}


def register_connection(conn: Connection) -> None:
    """Remember who a socket belongs to (called by the connect handler)."""
    _CONNECTIONS[conn.sid] = conn


def forget_connection(sid: str) -> Connection | None:
    """Drop a socket's record (called by the disconnect handler)."""
    return _CONNECTIONS.pop(sid, None)


def connections() -> list[Connection]:
    """Every socket of this worker (the token-expiry sweep walks them)."""
    return list(_CONNECTIONS.values())


def get_connection(sid: str) -> Connection | None:
    """The record of one socket of this worker, or None."""
    return _CONNECTIONS.get(sid)


# The socket whose event is being handled, set by the dispatcher (install_event_dispatch).
_EVENT_SID: ContextVar[str | None] = ContextVar("masterchat_event_sid", default=None)


def current_sid() -> str:
    """The socket id of the event being handled (connect and disconnect: from Flask-SocketIO's request)."""
    sid = _EVENT_SID.get()
    return sid if sid is not None else request.sid  # type: ignore[attr-defined]


def current_connection() -> Connection:
    """The connection behind the event being handled, or Unauthorized."""
    conn = _CONNECTIONS.get(current_sid())
    if conn is None:
        raise Unauthorized("Not connected.")
    return conn


def error_ack(err: DomainError) -> dict[str, Any]:
    """The contract's failed ack."""
    return {"ok": False, "error": err.to_dict()}


def _user_buckets() -> dict[tuple[int, str], Bucket]:
    """Per-user buckets of this app (a dict per app, so that tests do not share them)."""
    store = current_app.extensions.setdefault("masterchat.socket_buckets", {})
    if len(store) > 200_000:  # users long gone: a full bucket is the same as none
        store.clear()
    return store


def charge(conn: Connection, name: str, cost: float, limit: Limit | None) -> None:
    """Take `cost` from the connection's, the user's and the user's `name` bucket; RateLimited if one is empty."""
    if not current_app.config["RATE_LIMITS"]:
        return
    users = _user_buckets()
    checks = [(conn.buckets, "*", CONNECTION_BUDGET), (users, (conn.user_id, "*"), USER_BUDGET)]
    if limit is not None:
        checks.append((users, (conn.user_id, name), limit))
    for store, key, lim in checks:
        bucket = store.get(key)
        if bucket is None:
            bucket = store[key] = Bucket(lim)
        wait = bucket.take(lim, min(cost, lim.burst))
        if wait:
            raise RateLimited(f"Too many {name} events; try again in {wait} s.", wait, {"event": name})


def frame_depth(data: Any, limit: int = MAX_FRAME_DEPTH) -> int:
    """Nesting depth of a decoded frame, counted without recursion; stops counting past `limit`."""
    depth, level = 0, [data]
    while level:
        depth += 1
        if depth > limit:
            return depth
        nxt: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                nxt.extend(v for v in item if isinstance(v, (dict, list)))
        level = nxt
    return depth


def socket_event(
    name: str,
    schema: type[BaseModel] | None = None,
    ack: type[BaseModel] = OkAck,
    *,
    cost: float | Callable[[Any], float] = 1,
    limit: Limit | None = DEFAULT_LIMIT,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(conn, payload) -> dict | None` as the handler of client event `name`.

    `schema` validates the payload, `ack` is the shape of the successful acknowledgement
    (`{"ok": true, **fn's result}`); both are published in /api/asyncapi.json.
    `cost` (tokens, or a function of the validated payload) is charged to the connection's and the
    user's budgets and to the per-user bucket `limit` of this event (None: the budgets only, for an
    event whose service limits it itself); an empty bucket answers `rate_limited`.
    """

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        CLIENT_EVENTS[name] = schema
        EVENT_LIMITS[name] = (cost, limit)
        CLIENT_ACKS[name] = ack

        @functools.wraps(fn)
        def handler(data: Any = None, *_extra: Any) -> dict[str, Any]:
            try:
                conn = current_connection()
                if name not in UNEXPIRING_EVENTS and conn.expires_at <= time.time():
                    raise Unauthorized("The access token has expired; send auth:refresh.", code="token_expired")
                try:
                    if isinstance(data, TooDeep) or frame_depth(data) > MAX_FRAME_DEPTH:
                        raise ValidationError("The payload is nested too deeply.", {"limit_depth": MAX_FRAME_DEPTH})
                    payload = validate(schema, data) if schema is not None else data
                except DomainError:
                    charge(conn, name, 1, limit)  # a stream of bad frames is limited like any other
                    raise
                charge(conn, name, cost(payload) if callable(cost) else cost, limit)
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

        HANDLERS[name] = handler
        if socketio.server is not None:  # declared after init_app (a test's event): the live server too
            _register(socketio.server, name, handler)
        return handler

    return decorator


# Client events by name, registered on each new Socket.IO server by install_event_dispatch().
HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {}


def install_event_dispatch(server: Any) -> None:
    """Register every `socket_event` handler on `server` (python-socketio's), each run in an app context.

    Flask-SocketIO runs a handler inside a request context rebuilt from the socket's handshake for
    every event: a `Request`, the session opened and swapped for its own, the teardown of both
    contexts and their signals, 8.4 % of a worker's samples at 1,000 msg/s and 10,000 users (py-spy,
    docs/PERFORMANCE.md, "Seventh session on issue 17"). These handlers use no part of the request
    but its socket id, which the dispatcher keeps in a context variable (`current_sid()`); the app
    context gives them `current_app`, `g` and the request's database session, as before. Connect and
    disconnect still go through Flask-SocketIO (they read the handshake: its token, headers, rooms).
    """
    for name, handler in HANDLERS.items():
        _register(server, name, handler)


def _register(server: Any, name: str, handler: Callable[..., dict[str, Any]]) -> None:
    """Put `handler` on `server` under `name`, behind the dispatcher that gives it its context."""

    def dispatch(sid: str, *args: Any) -> Any:
        environ = server.get_environ(sid, namespace="/")
        if not environ:
            return None  # a socket this server no longer knows (what Flask-SocketIO ignores too)
        token = _EVENT_SID.set(sid)
        try:
            with environ["flask.app"].app_context():
                return handler(*args)
        finally:
            _EVENT_SID.reset(token)

    server.on(name, dispatch, namespace="/")
