"""User shapes shared by every domain: the avatar's URL and the short form of a user."""

from __future__ import annotations

from typing import Any

from app.models import User


def avatar_path(stored_name: str | None) -> str | None:
    """Public URL of an avatar file stored under this name, or None."""
    return f"/media/avatars/{stored_name}" if stored_name else None


def avatar_url(user: User) -> str | None:
    """Public URL of a user's avatar, or None."""
    return avatar_path(user.avatar)


def brief_values(user_id: int, username: str, display_name: str, avatar: str | None) -> dict[str, Any]:
    """The short form of a user from its columns (the send hot path reads them with a raw statement)."""
    return {"id": user_id, "username": username, "display_name": display_name, "avatar_url": avatar_path(avatar)}


def brief(user: User) -> dict[str, Any]:
    """The short form of a user used inside messages, member lists, requests and posts."""
    return brief_values(user.id, user.username, user.display_name, user.avatar)
