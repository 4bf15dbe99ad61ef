"""Who is asking: one token check shared by REST routes and socket connect."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import bindparam, select

from app.db import autocommit_first_row
from app.errors import Unauthorized
from app.extensions import db
from app.models import AuthSession, User
from app.rawsql import Prepared
from app.security import decode_access_token


def authenticate_token(token: object) -> tuple[User, int]:
    """Verify an access token and that its login session is still alive; return (user, session_id)."""
    claims = decode_access_token(token)
    row = db.session.execute(
        db.select(User, AuthSession.revoked_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == claims.session_id, User.id == claims.user_id)
    ).first()
    _require_alive(None if row is None else (row[1],))
    return row[0], claims.session_id


_SESSION_ALIVE = select(AuthSession.__table__.c.revoked_at).where(
    AuthSession.__table__.c.id == bindparam("p_session"), AuthSession.__table__.c.user_id == bindparam("p_user")
)


_SESSION_ALIVE_RAW = Prepared(_SESSION_ALIVE)


def authenticate_socket_token(token: object) -> tuple[int, int, int]:
    """The socket handshake's check: the same as authenticate_token, without loading the user row;
    returns (user_id, session_id, expires_at). A session row exists only for an existing user (foreign key)."""
    claims = decode_access_token(token)
    _check_session_alive(db.session.connection(), claims)
    return claims.user_id, claims.session_id, claims.expires_at


def _check_session_alive(conn: Any, claims: Any) -> None:
    """Unauthorized unless the token's login session exists for its user and is not revoked."""
    _require_alive(conn.execute(_SESSION_ALIVE, _session_params(claims)).first())


def _session_params(claims: Any) -> dict[str, int]:
    return {"p_session": claims.session_id, "p_user": claims.user_id}


def _require_alive(row: Any) -> None:
    """Unauthorized unless `row` is the session's (revoked_at,) and it is not revoked."""
    if row is None or row[0] is not None:
        raise Unauthorized("This session has ended; log in again.", code="session_revoked")


class Caller:
    """Who is asking a REST route: the user id and login session from a checked token.

    The `User` row is loaded only when a route needs more than the id (`current_user()`): nine routes
    in ten pass `g.user.id` to a service, and loading the row through the ORM was a third of a like's
    CPU (docs/PERFORMANCE.md, "Like storm"). The check itself is the socket handshake's: the session
    row is alive, and it exists only for an existing user (foreign key)."""

    __slots__ = ("_user", "id", "session_id")

    def __init__(self, user_id: int, session_id: int) -> None:
        self.id = user_id
        self.session_id = session_id
        self._user: User | None = None

    def load(self) -> User:
        """The caller's `User` row (from the session's identity map when already loaded)."""
        if self._user is None or self._user not in db.session:
            user = db.session.get(User, self.id)
            if user is None:  # deleted between the check and now
                raise Unauthorized("This session has ended; log in again.", code="session_revoked")
            self._user = user
        return self._user

    def __repr__(self) -> str:
        return f"<Caller user={self.id} session={self.session_id}>"


def bearer_token() -> str:
    """The request's `Authorization: Bearer` token, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <access_token>.")
    return token.strip()


def authenticate_request() -> tuple[User, int]:
    """The user behind the request's `Authorization: Bearer` header (the row loaded), or Unauthorized."""
    return authenticate_token(bearer_token())


def authenticate_caller() -> Caller:
    """The caller behind the request's bearer token, without loading the user row; or Unauthorized."""
    token = bearer_token()
    if db.session().in_transaction() or db.engine.dialect.name != "postgresql":
        user_id, session_id, _expires = authenticate_socket_token(token)
        return Caller(user_id, session_id)
    # On PostgreSQL the check runs outside a transaction: one round trip instead of three (psycopg2
    # sends BEGIN on its own, and a write then had to COMMIT this read first). A like storm's worker
    # spent most of its time in those round trips (docs/PERFORMANCE.md, "Like storm").
    claims = decode_access_token(token)
    _require_alive(autocommit_first_row(_SESSION_ALIVE_RAW, _session_params(claims)))
    return Caller(claims.user_id, claims.session_id)
