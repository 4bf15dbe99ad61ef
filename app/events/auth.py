"""Server -> client events about the socket's own authority (its access token)."""

from __future__ import annotations

from typing import ClassVar

from app.events.base import server_event
from app.schemas.auth import AuthExpiringEvent


@server_event
class AuthExpiring(AuthExpiringEvent):
    """This socket's access token is about to expire: answer with `auth:refresh {token}` or be closed."""

    EVENT: ClassVar[str] = "auth:expiring"
