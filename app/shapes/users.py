"""User shapes shared by every domain: the avatar's URL and the short form of a user."""

from __future__ import annotations

from typing import Any

from app.models import User


def avatar_url(user: User) -> str | None:
    """Public URL of a user's avatar, or None."""
    return f"/media/avatars/{user.avatar}" if user.avatar else None


def brief(user: User) -> dict[str, Any]:
    """The short form of a user used inside messages, member lists, requests and posts."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "avatar_url": avatar_url(user)}
