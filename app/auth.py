"""Who is asking: one token check shared by REST routes and socket connect."""

from __future__ import annotations

from flask import request
from sqlalchemy import bindparam, select

from app.errors import Unauthorized
from app.extensions import db
from app.models import AuthSession, User
from app.security import decode_access_token


def authenticate_token(token: object) -> tuple[User, int]:
    """Verify an access token and that its login session is still alive; return (user, session_id)."""
    claims = decode_access_token(token)
    row = db.session.execute(
        db.select(User, AuthSession.revoked_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == claims.session_id, User.id == claims.user_id)
    ).first()
    if row is None or row[1] is not None:
        raise Unauthorized("This session has ended; log in again.", code="session_revoked")
    return row[0], claims.session_id


_SESSION_ALIVE = select(AuthSession.__table__.c.revoked_at).where(
    AuthSession.__table__.c.id == bindparam("p_session"), AuthSession.__table__.c.user_id == bindparam("p_user")
)


def authenticate_socket_token(token: object) -> tuple[int, int, int]:
    """The socket handshake's check: the same as authenticate_token, without loading the user row;
    returns (user_id, session_id, expires_at). A session row exists only for an existing user (foreign key)."""
    claims = decode_access_token(token)
    row = (
        db.session.connection()
        .execute(_SESSION_ALIVE, {"p_session": claims.session_id, "p_user": claims.user_id})
        .first()
    )
    if row is None or row[0] is not None:
        raise Unauthorized("This session has ended; log in again.", code="session_revoked")
    return claims.user_id, claims.session_id, claims.expires_at


def authenticate_request() -> tuple[User, int]:
    """The user behind the request's `Authorization: Bearer` header, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <access_token>.")
    return authenticate_token(token.strip())
