"""Passwords (bcrypt), access tokens (JWT, HS256 pinned) and random opaque tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import bcrypt
import jwt
from flask import current_app

from app.concurrency import run_blocking
from app.errors import Unauthorized

JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    """bcrypt hash of a password (at most 72 bytes: the schema refuses longer ones)."""
    rounds = current_app.config["BCRYPT_ROUNDS"]
    salt = bcrypt.gensalt(rounds)
    return run_blocking(bcrypt.hashpw, password.encode("utf-8"), salt).decode("ascii")


_DUMMY_HASHES: dict[int, bytes] = {}


def check_password(password: str, password_hash: str | None) -> bool:
    """True when password matches; with no hash, spend the same time and return False."""
    raw = password.encode("utf-8")
    if len(raw) > 72:
        return False
    if password_hash is None:
        rounds = current_app.config["BCRYPT_ROUNDS"]
        if rounds not in _DUMMY_HASHES:
            _DUMMY_HASHES[rounds] = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds))
        run_blocking(bcrypt.checkpw, raw, _DUMMY_HASHES[rounds])
        return False
    return run_blocking(bcrypt.checkpw, raw, password_hash.encode("ascii"))


def new_token() -> str:
    """A random URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 hex of a token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int
    expires_at: int = 0  # the token's `exp` (epoch seconds)


def make_access_token(user_id: int, session_id: int) -> str:
    """A signed JWT for `user_id` in login session `session_id`, valid ACCESS_TOKEN_TTL seconds."""
    now = int(time.time())
    payload = {
        "sub": str(user_id),
        "sid": session_id,
        "iat": now,
        "exp": now + current_app.config["ACCESS_TOKEN_TTL"],
        "typ": "access",
    }
    return jwt.encode(payload, current_app.config["SECRET_KEY"], algorithm=JWT_ALGORITHM)


# Tokens already verified, with their claims: PyJWT's decode (signature, parsing, every claim's
# check) was 6 % of a worker's CPU in a like storm on PostgreSQL, once per request of the same token
# (docs/PERFORMANCE.md, "Like storm"). Values are tuples of str and int, which the garbage collector
# stops tracking, so a cache as large as the users online adds nothing to its walks. A token's
# verdict cannot change while the key is the same, except for expiry, checked on every use.
_VERIFIED: dict[str, tuple[str, int, int, int]] = {}
_VERIFIED_MAX = 20_000


def decode_access_token(token: object) -> AccessClaims:
    """Verify signature, algorithm and expiry; raise Unauthorized on any fault."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise Unauthorized("Missing or malformed access token.")
    secret = current_app.config["SECRET_KEY"]
    known = _VERIFIED.get(token)
    if known is not None and known[0] == secret:
        if known[3] <= time.time():
            raise Unauthorized("Access token expired.", code="token_expired")
        return AccessClaims(user_id=known[1], session_id=known[2], expires_at=known[3])
    try:
        payload = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub", "sid"]})
        if payload.get("typ") != "access":
            raise jwt.InvalidTokenError("wrong token type")
        claims = AccessClaims(
            user_id=int(payload["sub"]), session_id=int(payload["sid"]), expires_at=int(payload["exp"])
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Access token expired.", code="token_expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("Invalid access token.") from None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()  # tokens live minutes; starting over costs one decode per active token
    _VERIFIED[token] = (secret, claims.user_id, claims.session_id, claims.expires_at)
    return claims
