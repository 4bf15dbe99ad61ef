"""Account schemas: signup, login, tokens, password flows."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from app.schemas.common import Model
from app.schemas.users import UserOut

PASSWORD_MIN = 8
PASSWORD_MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes; we refuse instead


def _password(value: str) -> str:
    # PydanticCustomError: its type is the code a client translates, its context the numbers it needs.
    if len(value) < PASSWORD_MIN:
        raise PydanticCustomError(
            "too_short",
            "Must be at least {min_length} characters.",
            {"min_length": PASSWORD_MIN, "unit": "characters"},
        )
    if len(value.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise PydanticCustomError(
            "too_long",
            "Must be at most {max_length} bytes in UTF-8 (fewer letters outside Latin).",
            {"max_length": PASSWORD_MAX_BYTES, "unit": "bytes"},
        )
    return value


# max_length bounds the work done before the byte check (a 1 MB password is cut short here).
Password = Annotated[str, Field(max_length=1024), AfterValidator(_password)]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]


class SignupIn(Model):
    email: EmailStr = Field(max_length=254)
    username: Username
    password: Password


class LoginIn(Model):
    login: str = Field(min_length=1, max_length=254, description="email or username")
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(Model):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str


class AuthOut(TokensOut):
    user: UserOut


class ResetRequestIn(Model):
    email: str = Field(min_length=1, max_length=254)


class ResetConfirmIn(Model):
    token: str = Field(min_length=1, max_length=200)
    password: Password


class ChangePasswordIn(Model):
    old_password: str = Field(min_length=1, max_length=1024)
    password: Password


class SocketRefreshIn(Model):
    """`auth:refresh`: a fresh access token of the same login session, sent over the open socket."""

    token: str = Field(min_length=1, max_length=4096)


class SocketRefreshAck(BaseModel):
    """`auth:refresh`'s ack: the socket's new expiry (ISO time)."""

    ok: bool
    expires_at: str


class AuthExpiringEvent(BaseModel):
    """`auth:expiring`: this socket's token expires at `expires_at` (ISO time, in `seconds_left` s);
    send `auth:refresh {token}` before then, or the socket is closed."""

    expires_at: str
    seconds_left: int
